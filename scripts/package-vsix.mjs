#!/usr/bin/env node
// `npm run package`: stages the extension (scripts/stage-extension.mjs, with the kernel's dist/ and its run-time
// node_modules copied in), then packs out/chalknb-<version>.vsix with @vscode/vsce and prints what went in.
// One .vsix for every platform (no --target): it must hold no native binary, which this checks by name (and
// test/package/vsix-contents.test.ts by content).
// Expects `npm run build` and `node scripts/build-bundles.mjs` to have run (npm run package does both).
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stage = join(root, "out", "extension-package");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const vsix = join(root, "out", `${pkg.name}-${pkg.version}.vsix`);

execFileSync(process.execPath, [join(root, "scripts/stage-extension.mjs")], { stdio: "inherit" });
const vsce = join(root, "node_modules/@vscode/vsce/vsce");
const t0 = Date.now();
execFileSync(process.execPath, [vsce, "package", "--out", vsix, "--allow-missing-repository", "--no-rewrite-relative-links"], {
  cwd: stage,
  stdio: ["ignore", "inherit", "inherit"],
});
const files = execFileSync("unzip", ["-Z1", vsix], { cwd: stage, encoding: "utf8", maxBuffer: 64 << 20 })
  .split("\n").filter((f) => f.startsWith("extension/") && !f.endsWith("/")).map((f) => f.slice("extension/".length));
const byTop = new Map();
for (const f of files) {
  const parts = f.split("/");
  const top = parts[0] === "node_modules" ? `node_modules/${parts[1]?.startsWith("@") ? `${parts[1]}/${parts[2]}` : parts[1]}` : parts[0];
  byTop.set(top, (byTop.get(top) ?? 0) + 1);
}
const forbidden = files.filter((f) => /^(dist\/(test|bench)|test|bench|src)\//.test(f) || f.endsWith(".map"));
if (forbidden.length) throw new Error(`the .vsix would ship files it does not need: ${forbidden.slice(0, 10).join(", ")}`);
const native = files.filter((f) => /\.(node|so|dylib|dll|exe)$|(^|\/)(prebuilds|@esbuild)\//.test(f));
if (native.length) throw new Error(`the .vsix is one file for every platform and must hold no native binary: ${native.slice(0, 10).join(", ")}`);
console.log(`package-vsix: ${vsix} — ${(statSync(vsix).size / 1e6).toFixed(1)} MB, ${files.length} files, packed in ${Date.now() - t0} ms`);
for (const [top, n] of [...byTop].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${String(n).padStart(5)}  ${top}`);
