import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { createCellScope } from "../../kernel/cell-bindings.js";
import { CellCompileError, compileCell } from "../../kernel/cell-compiler.js";

// Runs a compiled cell the way the kernel does (this process's global scope) and returns its value.
let counter = 0;
async function run(source: string): Promise<unknown> {
  const cell = await compileCell(source, `cell[t${++counter}]`);
  const result = (await vm.runInThisContext(cell.code, { filename: cell.filename })) as { value: unknown } | undefined;
  return result?.value;
}
const g = globalThis as Record<string, unknown>;
g.__chalknb_declare = (names: string[]) => {
  for (const n of names) if (!(n in globalThis)) g[n] = undefined;
};
g.__chalknb_import = (specifier: string) => import(specifier);

test("compileCell() keeps const declarations for later cells and allows declaring them again", async () => {
  await run("const ccA = 1");
  assert.equal(await run("ccA + 1"), 2);
  await run("const ccA = 5");
  assert.equal(await run("ccA"), 5);
});

test("compileCell() persists let, var, function, class and destructured names", async () => {
  await run("let ccB = 1, ccC; var ccD = 'd'; function ccF(x: number) { return x * 2 }\nclass CcK { v = 3 }\nconst { ccP, q: ccQ = 9 } = { ccP: 'p' }; const [ccR, ...ccS] = [1, 2, 3]");
  assert.deepEqual(await run("[ccB, ccC, ccD, ccF(4), new CcK().v, ccP, ccQ, ccR, ccS]"), [1, undefined, "d", 8, 3, "p", 9, 1, [2, 3]]);
});

test("compileCell() hoists function declarations within the cell", async () => {
  assert.equal(await run("const ccH = ccG()\nfunction ccG() { return 'hoisted' }\nccH"), "hoisted");
});

test("compileCell() supports top-level await and returns the last expression", async () => {
  assert.equal(await run("const ccW = await Promise.resolve(20)\nccW + 1"), 21);
  assert.equal(await run("const ccNone = 1"), undefined);
});

test("compileCell() does not await a returned promise value", async () => {
  const cell = await compileCell("Promise.resolve(3)", "cell[promise]");
  const result = (await vm.runInThisContext(cell.code, { filename: cell.filename })) as { value: unknown };
  assert.ok(result.value instanceof Promise);
});

test("compileCell() rewrites static imports into dynamic imports that persist", async () => {
  await run("import { join as ccJoin } from 'node:path'\nimport * as ccOs from 'node:os'\nimport ccPath from 'node:path'");
  assert.equal(await run("ccJoin('a', 'b')"), "a/b");
  assert.equal(await run("typeof ccOs.platform"), "function");
  assert.equal(await run("ccPath.sep"), "/");
});

test("compileCell() keeps an import used only by later cells in a TypeScript cell", async () => {
  await run("import { basename as ccBase } from 'node:path'\nconst ccT: string = 'x'");
  assert.equal(await run("ccBase('/a/b.txt')"), "b.txt");
});

test("compileCell() reads f<T>(x) as TypeScript's generic call, not as comparisons", async () => {
  assert.equal(await run("const ccId = <T>(x: T) => x\nccId<string>('generic')"), "generic");
  assert.equal(await run("await new Promise<number>((r) => r(5))"), 5);
});

test("compileCell() strips TypeScript types, enums and interfaces", async () => {
  assert.equal(await run("interface P { x: number }\nenum Color { Red, Green }\nconst ccE: P = { x: Color.Green }\nccE.x as number"), 1);
});

test("compileCell() keeps cell lines: a thrown error's frame maps to the cell's line and column", async () => {
  const source = "type T = { a: number }\nconst ccX: T = { a: 1 }\n\nthrow new Error('at line 4')";
  const cell = await compileCell(source, "cell[map]");
  const error = await (vm.runInThisContext(cell.code, { filename: cell.filename }) as Promise<unknown>).then(
    () => undefined,
    (e: Error) => e,
  );
  const frame = /cell\[map\]:(\d+):(\d+)/.exec(error!.stack!);
  assert.deepEqual(cell.mapPosition(Number(frame![1]), Number(frame![2])), { line: 4, column: 7 });
});

test("compileCell() maps JavaScript cells too (no esbuild) after multi-line rewrites", async () => {
  const source = "import {\n  join\n} from 'node:path'\nconst a = 1,\n  b = 2\nnull.x";
  const cell = await compileCell(source, "cell[js]");
  assert.equal(cell.typescript, false);
  const error = await (vm.runInThisContext(cell.code, { filename: cell.filename }) as Promise<unknown>).then(
    () => undefined,
    (e: Error) => e,
  );
  const frame = /cell\[js\]:(\d+):(\d+)/.exec(error!.stack!);
  assert.equal(cell.mapPosition(Number(frame![1]), Number(frame![2]))?.line, 6);
});

test("compileCell() reports a syntax error with the cell's line and column", async () => {
  await assert.rejects(compileCell("const ok = 1\nconst bad: number = ;", "cell[bad]"), (error: unknown) => {
    assert.ok(error instanceof CellCompileError);
    assert.equal(error.message, "Expression expected."); // typescript's message, as VS Code shows it
    assert.equal(error.line, 2);
    assert.equal(error.column, 20);
    assert.equal(error.lineText, "const bad: number = ;");
    return true;
  });
});

test("compileCell() lists the names a cell declares", async () => {
  const cell = await compileCell("import d, { a as b } from 'x'\nconst { c, d: [e] } = o\nfunction f() {}\nclass G {}\nexport const h = 1", "cell[names]");
  assert.deepEqual(cell.declaredNames.sort(), ["G", "b", "c", "d", "e", "f", "h"]);
});

test("compileCell() keeps names no function uses as locals, copied to globals after each statement and at the end", async () => {
  const cell = await compileCell("let n = 0\nfor (let i = 0; i < 3; i++) n += i\nn", "cell[locals]", createCellScope());
  assert.deepEqual(cell.localNames, ["n"]);
  assert.equal(
    cell.code,
    '(async () => { __chalknb_declare(["n"]); let n = globalThis.n; try { ;(n = 0);globalThis.n = n;\n' +
      "for (let i = 0; i < 3; i++) n += i;globalThis.n = n;\n" +
      "return { value: (n) };\n" +
      "} finally { globalThis.n = n; } })()",
  );
});

test("compileCell() copies locals to their globals before each await of the statement that writes them, and back after", async () => {
  const cell = await compileCell("let k = 1\nk = await f(k++)", "cell[await]", createCellScope());
  assert.equal(
    cell.code.split("\n")[1],
    "return { value: (k = (__chalknb_awaited = await (__chalknb_awaited = (f(k++)), globalThis.k = k, __chalknb_awaited), k = globalThis.k, __chalknb_awaited)) };",
  );
  // Nested awaits: each one's text inside the next.
  const nested = await compileCell("let m = 1\nm = await await m", "cell[nested]", createCellScope());
  const once = (inner: string) => `(__chalknb_awaited = await (__chalknb_awaited = (${inner}), globalThis.m = m, __chalknb_awaited), m = globalThis.m, __chalknb_awaited)`;
  assert.equal(nested.code.split("\n")[1], `return { value: (m = ${once(once("m"))}) };`);
});

test("compileCell() keeps names global that a function of this cell or of an earlier cell uses", async () => {
  const scope = createCellScope();
  const first = await compileCell("let a = 1, b = 2, c = 3\nfunction useA() { return a }\nconst useB = () => ({ b })", "cell[c1]", scope);
  assert.deepEqual(first.localNames, ["c", "useB"]);
  assert.deepEqual((await compileCell("let a = 1, c = 3, d = 4\nclass K { m() { return d } }", "cell[c2]", scope)).localNames, ["c", "K"]);
  // The first cell's source again, from the compile cache unless a function compiled since names one of its locals.
  await compileCell("setTimeout(() => c)", "cell[c3]", scope);
  assert.deepEqual((await compileCell("let a = 1, b = 2, c = 3\nfunction useA() { return a }\nconst useB = () => ({ b })", "cell[c4]", scope)).localNames, ["useB"]);
});

test("compileCell() keeps every name global in a cell that uses eval, and in the cells after it", async () => {
  const scope = createCellScope();
  assert.deepEqual((await compileCell("let e = 1\neval('e = 2')", "cell[e1]", scope)).localNames, []);
  assert.deepEqual((await compileCell("let later = 1", "cell[e2]", scope)).localNames, []);
});

test("compileCell() does not count property names and labels as uses", async () => {
  const cell = await compileCell("let p = 1, q = 2\nconst read = (o) => o.p + ({ q: 1 }).q\nouter: for (;;) break outer", "cell[props]", createCellScope());
  assert.deepEqual(cell.localNames, ["p", "q", "read"]);
});

test("compileCell() keeps a name declared again by a var in a block global (one scope cannot declare it twice)", async () => {
  const cell = await compileCell("var vb = 1, vc = 2\nif (vb) { var vb = 3 }\nfor (var vi = 0; vi < 1; vi++) vc++", "cell[vars]", createCellScope());
  assert.deepEqual(cell.localNames, ["vc"]);
});

test("compileCell() copies names earlier cells declared into locals, and back only those the cell writes", async () => {
  const scope = createCellScope();
  await compileCell("let sum = 0, scale = 2\nfunction useless() {}", "cell[e1]", scope);
  const cell = await compileCell("for (let i = 0; i < 3; i++) sum += i * scale\nuseless()", "cell[e2]", scope);
  assert.deepEqual(cell.localNames, ["sum", "scale"]);
  assert.deepEqual(cell.declaredNames, []);
  assert.equal(
    cell.code,
    "(async () => { let sum = globalThis.sum, scale = globalThis.scale; try { for (let i = 0; i < 3; i++) sum += i * scale;globalThis.sum = sum;\n" +
      "return { value: (useless()) };\n" +
      "} finally { globalThis.sum = sum; } })()",
  );
});
