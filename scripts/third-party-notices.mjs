// Third-party notices for the code esbuild bundles into the extension and its webviews (the bundles keep the
// packages' legal comments too: legalComments "eof"). An esbuild plugin records each bundle's inputs (its metafile);
// writeNotices() lists every npm package they came from, with its version, license and license text.
// Packages the .vsix ships whole in node_modules/ carry their own license files.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Package folders (relative to the build's working directory) whose files went into a recorded bundle. */
const packageDirs = new Set();

/** Records the inputs of every build it is added to, except the e2e test bundles (not shipped). */
export const noticesPlugin = {
  name: "third-party-notices",
  setup(build) {
    build.initialOptions.metafile = true;
    if (/[\\/]e2e[\\/]/.test(build.initialOptions.outfile ?? "")) return;
    build.onEnd((result) => {
      for (const input of Object.keys(result.metafile?.inputs ?? {})) {
        const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replaceAll("\\", "/"));
        if (match) packageDirs.add(match[1]);
      }
    });
  },
};

/** Writes the notices for what the recorded builds bundled; returns how many packages it names. */
export function writeNotices(root, file) {
  const entries = [...packageDirs].map((dir) => {
    const meta = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
    // The license and, where a package has one, its NOTICE (Apache-2.0 section 4(d) asks to pass it on).
    const files = readdirSync(join(root, dir)).filter((f) => /^(licen[cs]e|copying|notice)([._-]|$)/i.test(f)).sort();
    const text = files.map((f) => readFileSync(join(root, dir, f), "utf8").replace(/\r\n/g, "\n").trim()).join("\n\n") || undefined;
    return { name: meta.name, version: meta.version, license: licenseName(meta), text };
  });
  const unique = [...new Map(entries.map((e) => [`${e.name}@${e.version}`, e])).values()].sort((a, b) => a.name.localeCompare(b.name));
  const missing = unique.filter((e) => !e.text && !e.license);
  if (missing.length) throw new Error(`no license found for bundled packages: ${missing.map((e) => e.name).join(", ")}`);
  const sections = unique.map((e) =>
    [`${e.name} ${e.version} (${e.license ?? "see text"})`, "", e.text ?? `Licensed under ${e.license}; the package ships no license file.`].join("\n"));
  writeFileSync(file, [
    "chalknb bundles code from the following packages into out/extension/extension.cjs and out/webview/*.js.",
    "",
    ...sections.flatMap((s) => ["-".repeat(80), s, ""]),
  ].join("\n"));
  return unique.length;
}

function licenseName(meta) {
  if (typeof meta.license === "string") return meta.license;
  if (meta.license?.type) return meta.license.type;
  if (Array.isArray(meta.licenses)) return meta.licenses.map((l) => l.type).join(" OR ");
  return undefined;
}

export const NOTICES_FILE = "THIRD-PARTY-NOTICES.txt";
