import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The packaging step that decides which declaration files the .vsix ships for the kernel's type checker (issue 10:
// without them every cell showed "Cannot find name 'Array'"). The e2e suite checks the installed extension itself.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

interface Shipped {
  files: number;
  packages: Record<string, string>;
  errors: string[];
}

test("shipTypeDeclarations() copies what a check of the samples loads, and the samples have no type errors", async () => {
  const { shipTypeDeclarations } = (await import(pathToFileURL(path.join(root, "scripts/type-declarations.mjs")).href)) as {
    shipTypeDeclarations(root: string, stage: string): Promise<Shipped>;
  };
  const stage = mkdtempSync(path.join(tmpdir(), "chalknb-stage-"));
  try {
    const shipped = await shipTypeDeclarations(root, stage);
    assert.deepEqual(shipped.errors, []);
    for (const file of [
      "node_modules/typescript/lib/lib.es5.d.ts", "node_modules/typescript/lib/lib.es2023.d.ts",
      "node_modules/@types/node/index.d.ts", "node_modules/@types/node/package.json",
      "node_modules/apache-arrow/Arrow.node.d.ts", "dist/index.d.ts",
    ]) assert.ok(existsSync(path.join(stage, file)), `${file} is shipped`);
    // Only what the checker loads: no DOM lib, no test or bench declarations.
    const libs = readdirSync(path.join(stage, "node_modules/typescript/lib"));
    assert.equal(libs.includes("lib.dom.d.ts"), false);
    assert.equal(existsSync(path.join(stage, "dist/test")), false);
    // Declarations come from the runtime dependencies, plus @types/node and its undici-types (the SDK's public types
    // may name more runtime packages as they grow: parquet-wasm, …); never from the extension's own dev types.
    const packages = Object.keys(shipped.packages);
    for (const name of ["@types/node", "apache-arrow", "typescript", "undici-types"]) assert.ok(packages.includes(name), `${name} in ${packages.join(", ")}`);
    assert.deepEqual(packages.filter((name) => name.startsWith("@types/") && name !== "@types/node"), []);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
});
