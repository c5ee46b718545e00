#!/usr/bin/env node
// Writes the extension's own folder, out/extension-package/, from which VS Code loads it (e2e) and vsce packs it:
//   package.json  the extension manifest: the root package.json's extension fields, with `main` pointing at the
//                 extension bundle (the root `main`/`exports` stay the Node library `chalknb`)
//   out/          bundles (extension, renderer, dashboard, kernel), copied from out/
//   dist/         the kernel, queue and protocol as compiled by tsc (the kernel forks its entry points by path)
//   node_modules/ what those load at run time (see scripts/runtime-deps.mjs); `--dev` links the root ones
//   node-path/    a `chalknb` package shim for the kernel's NODE_PATH (function files import "chalknb")
//   README.md, LICENSE, THIRD-PARTY-NOTICES.txt (what the bundles hold; scripts/third-party-notices.mjs)
// Usage: node scripts/stage-extension.mjs [--dev]
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyKernelDist, copyRuntimeDependencies, writeChalknbShim } from "./runtime-deps.mjs";
import { shipTypeDeclarations } from "./type-declarations.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");
const stage = join(root, "out", "extension-package");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, "out"), { recursive: true });
for (const part of ["extension", "webview", "kernel"]) {
  const from = join(root, "out", part);
  if (existsSync(from)) cpSync(from, join(stage, "out", part), { recursive: true });
}
if (!existsSync(join(stage, "out/extension/extension.cjs"))) throw new Error("out/extension/extension.cjs is missing: run scripts/build-bundles.mjs first");

const runtime = dev ? {} : copyRuntimeDependencies(root, stage);
if (dev) {
  symlinkSync(join(root, "node_modules"), join(stage, "node_modules"), "dir");
  symlinkSync(join(root, "dist"), join(stage, "dist"), "dir");
} else {
  copyKernelDist(root, stage);
}
// The type checker's declaration files (lib.*.d.ts, @types/node, apache-arrow, chalknb's own), and no other .d.ts.
const declarations = dev ? undefined : await shipTypeDeclarations(root, stage);
if (declarations?.errors.length) console.warn(`stage-extension: the samples have ${declarations.errors.length} type errors:\n  ${declarations.errors.join("\n  ")}`);
writeChalknbShim(stage);
// dist/ is ES modules (the root package.json says so; the manifest does not): without this Node reparses each file.
if (!dev) writeFileSync(join(stage, "dist", "package.json"), JSON.stringify({ type: "module" }) + "\n");

const manifest = {
  name: pkg.name,
  displayName: pkg.displayName,
  description: pkg.description,
  version: pkg.version,
  publisher: pkg.publisher,
  license: pkg.license,
  ...(pkg.repository ? { repository: pkg.repository } : {}),
  engines: { vscode: pkg.engines.vscode },
  categories: pkg.categories,
  main: "./out/extension/extension.cjs",
  activationEvents: pkg.activationEvents,
  capabilities: pkg.capabilities,
  contributes: pkg.contributes,
  // What node_modules/ holds, so `npm list --production` (run by vsce) accepts the tree.
  dependencies: { ...declarations?.packages, ...runtime },
};
writeFileSync(join(stage, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
const readme = join(root, "extension", "README.md");
if (existsSync(join(root, "extension", "media"))) cpSync(join(root, "extension", "media"), join(stage, "media"), { recursive: true });
writeFileSync(join(stage, "README.md"), existsSync(readme) ? readFileSync(readme) : `# ${pkg.displayName}\n`);
const license = ["LICENSE", "LICENSE.md", "LICENSE.txt"].map((f) => join(root, f)).find((f) => existsSync(f));
writeFileSync(join(stage, "LICENSE.txt"), license ? readFileSync(license) : "Apache License 2.0 — see https://www.apache.org/licenses/LICENSE-2.0\n");
if (existsSync(join(root, "out", "THIRD-PARTY-NOTICES.txt"))) cpSync(join(root, "out", "THIRD-PARTY-NOTICES.txt"), join(stage, "THIRD-PARTY-NOTICES.txt"));
writeFileSync(join(stage, ".vscodeignore"), [
  "**/*.map", "node_modules/**/test/**", "node_modules/**/tests/**",
  "node_modules/**/*.md", "node_modules/**/*.markdown", "node_modules/**/CHANGELOG*", "node_modules/**/.github/**",
  "node_modules/**/*.ts", "!node_modules/**/*.wasm", "!README.md", "!node_modules/**/[Ll][Ii][Cc][Ee][Nn][CcSs][Ee]*", "!node_modules/**/NOTICE*",
  // The staging folder holds only the declaration files the type checker loads (scripts/type-declarations.mjs).
  "!**/*.d.ts", "!**/*.d.mts", "!**/*.d.cts",
].join("\n") + "\n");
console.log(`stage-extension: ${stage}${dev ? " (dev: node_modules linked)" : ` with ${Object.keys(runtime).length} runtime packages, ${declarations.files} declaration files`}`);
