// The packages the extension's bundles load at run time (not bundled: native binaries, wasm, model weights, or
// files loaded by path), copied with their dependency closure into the staging folder's node_modules/.
import { cpSync, existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** Externals of the kernel bundle; keep in step with KERNEL_EXTERNALS in build-bundles.mjs. */
export const RUNTIME_PACKAGES = [];

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
    cpSync(dir, join(stage, relative(root, dir)), { recursive: true, dereference: true });
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) visit(dep, dir);
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
  for (const part of ["index.js", "protocol", "queue", "kernel"]) {
    const from = join(dist, part);
    if (!existsSync(from)) continue;
    cpSync(from, join(stage, "dist", part), {
      recursive: true,
      filter: (src) => !/\.(map|d\.ts)$/.test(src),
    });
  }
}
