#!/usr/bin/env node
// Bundles the VS Code side with esbuild into out/:
//   out/webview/renderer.js   notebook renderer (ESM, browser); the PCA worker is embedded as source text
//   out/webview/dashboard.js  queue dashboard webview script (IIFE, browser)
//   out/extension/extension.cjs  extension host entry (CJS, node, `vscode` external)
//   out/kernel/...            the kernel process entry, when kernel/ provides one (see bundleKernel)
// Usage: node scripts/build-bundles.mjs [--dev] [--e2e] [--only=webview|extension|e2e]
import * as esbuild from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NOTICES_FILE, noticesPlugin, writeNotices } from "./third-party-notices.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const out = join(root, "out");
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  // Bundled packages' license comments stay at the end of each bundle; THIRD-PARTY-NOTICES.txt lists them all.
  legalComments: "eof",
  plugins: [noticesPlugin],
  logLevel: "warning",
  absWorkingDir: root,
};

async function buildWebview() {
  const worker = await esbuild.build({
    ...common,
    entryPoints: ["webview/pca-worker.ts"],
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
  });
  const workerSource = worker.outputFiles[0].text;
  await esbuild.build({
    ...common,
    entryPoints: ["webview/renderer.ts"],
    outfile: join(out, "webview/renderer.js"),
    format: "esm",
    platform: "browser",
    target: "es2022",
    define: { __CHALKNB_PCA_WORKER__: JSON.stringify(workerSource) },
  });
  // The notebook webview's CSP has no 'unsafe-eval': keep code generation out of the renderer.
  const bundle = readFileSync(join(out, "webview/renderer.js"), "utf8") + workerSource;
  if (/\bnew Function\s*\(|\beval\s*\(/.test(bundle)) throw new Error("webview bundle contains eval/new Function (CSP)");
  if (existsSync(join(root, "webview/dashboard.ts"))) {
    await esbuild.build({
      ...common,
      entryPoints: ["webview/dashboard.ts"],
      outfile: join(out, "webview/dashboard.js"),
      format: "iife",
      platform: "browser",
      target: "es2022",
    });
    copyFileSync(join(root, "webview/dashboard.css"), join(out, "webview/dashboard.css"));
  }
}

async function buildExtension() {
  if (!existsSync(join(root, "extension/extension.ts"))) return;
  await esbuild.build({
    ...common,
    entryPoints: ["extension/extension.ts"],
    outfile: join(out, "extension/extension.cjs"),
    format: "cjs",
    platform: "node",
    target: "node20",
    // The kernel client is loaded at run time from dist/ (see extension/kernel-session.ts); its types only are imported.
    external: ["vscode"],
  });
}

async function buildE2e() {
  // The runner drives a browser (playwright-core stays external); the suite runs in VS Code's extension host.
  await esbuild.build({
    ...common, minify: false, sourcemap: "inline",
    entryPoints: ["test/e2e/run.ts"], outfile: join(out, "e2e/run.mjs"),
    format: "esm", platform: "node", target: "node20", packages: "external",
  });
  await esbuild.build({
    ...common, minify: false, sourcemap: "inline",
    entryPoints: ["test/e2e/suite/index.ts"], outfile: join(out, "e2e/suite.cjs"),
    format: "cjs", platform: "node", target: "node20", external: ["vscode"],
  });
}

const t0 = Date.now();
if (!only || only === "webview") await buildWebview();
if (!only || only === "extension") await buildExtension();
if (process.argv.includes("--e2e") || only === "e2e") await buildE2e();
if (!only) console.log(`build-bundles: ${NOTICES_FILE} names ${writeNotices(root, join(out, NOTICES_FILE))} bundled packages`);
console.log(`build-bundles: done in ${Date.now() - t0} ms${dev ? " (dev)" : ""}`);
