import { before, test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { compileCell } from "../../kernel/cell-compiler.js";
import { loadTypeStripper, stripTypes } from "../../kernel/type-stripper.js";

before(async () => {
  await loadTypeStripper();
  (globalThis as Record<string, unknown>).__chalknb_declare = (names: string[]) => {
    for (const n of names) if (!(n in globalThis)) (globalThis as Record<string, unknown>)[n] = undefined;
  };
});

/** `js` is the expected text with runs of spaces collapsed; every kept character must stay at its own position. */
function same(ts: string, js: string): void {
  const out = stripTypes(ts);
  assert.ok(out !== undefined, `not stripped: ${ts}`);
  assert.equal(out.length, ts.length);
  for (let i = 0; i < out.length; i++) assert.ok(out[i] === ts[i] || out[i] === " " || out[i] === ";", `moved at ${i}: ${out}`);
  const collapse = (text: string) => text.replace(/ +/g, " ");
  assert.equal(collapse(out), collapse(js));
}

test("stripTypes() blanks annotations, generics, as/satisfies and non-null assertions in place", () => {
  same("const x: number = f<string>(y as any)!", "const x = f (y ) ");
  same("const g = <T,>(v: T): T => v", "const g = (v ) => v");
  same("const m = new Map<string, Array<number>>()", "const m = new Map ()");
  same("const c = { a: 1 } satisfies Record<string, number>", "const c = { a: 1 } ");
  same("function f(this: Window, a?: number): void {}", "function f( a ) {}");
  same("let late!: string", "let late ");
});

test("stripTypes() erases type-only statements, leaving `;` so lines cannot join", () => {
  same("a\ntype T = 1\n(b)", "a\n; \n(b)");
  same("interface P {\n  x: number\n}\nlet p", "; \n \n \nlet p");
  same('import type { A } from "a"\nimport { type B, c } from "b"', '; \nimport { c } from "b"');
  same("declare const z: number\nfunction o(a: string): void\nfunction o(a: any) {}", "; \n; \nfunction o(a ) {}");
});

test("stripTypes() blanks class member modifiers, implements, declare and abstract members", () => {
  same(
    "abstract class A<T> extends B<T> implements I {\n  private readonly x?: T\n  declare y: number\n  abstract z(): void\n  [k: string]: unknown\n}",
    " class A extends B {\n x \n ; \n ; \n ; \n}",
  );
});

test("stripTypes() returns undefined for syntax that is not erasable, and for cells that do not parse", () => {
  assert.equal(stripTypes("enum Color { Red }"), undefined);
  assert.equal(stripTypes("namespace N { export const a = 1 }"), undefined);
  assert.equal(stripTypes("class P { constructor(private x: number) {} }"), undefined);
  assert.equal(stripTypes("import fs = require('fs')"), undefined);
  assert.equal(stripTypes("const v = <number>w"), undefined);
  assert.equal(stripTypes("const broken: number = ;"), undefined);
});

test("compileCell() with the stripper keeps TypeScript cells' positions exactly", async () => {
  const source = "interface P { x: number }\nconst q: P = { x: 1 }\nconst r = (q as any).nope!.deeper";
  const cell = await compileCell(source, "cell[strip]");
  const error = await (vm.runInThisContext(cell.code, { filename: cell.filename }) as Promise<unknown>).then(
    () => undefined,
    (e: Error) => e,
  );
  const frame = /cell\[strip\]:(\d+):(\d+)/.exec(error!.stack!);
  assert.deepEqual(cell.mapPosition(Number(frame![1]), Number(frame![2])), { line: 3, column: 28 });
});

test("compileCell() still compiles enums (through typescript's transpileModule)", async () => {
  const cell = await compileCell("enum Shade { Light = 2 }\nShade.Light", "cell[enum]");
  const result = (await vm.runInThisContext(cell.code, { filename: cell.filename })) as { value: unknown };
  assert.equal(result.value, 2);
});
