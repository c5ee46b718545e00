// The declaration files the kernel's type checker needs in the packaged extension, and only those (issue 10: without
// typescript's lib.*.d.ts, @types/node and apache-arrow's declarations every cell showed false errors such as
// "Cannot find name 'Array'"). They are found the way the checker finds them: a program with the checker's own
// options (dist/kernel/type-check-program.js) over the prelude and the sample notebooks' cells; the files it loads
// are what ships. Every other .d.ts in the staging folder is removed.
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

const DECLARATION = /\.d\.[cm]?ts$/;

/**
 * Leaves in `stage` exactly the declaration files a check of the samples loads from `root` (copying those the runtime
 * copy left out: dist/'s own .d.ts, @types/node, undici-types). Returns their count, the packages they come from
 * (for the manifest's dependency list), and the samples' type errors (none expected).
 */
export async function shipTypeDeclarations(root, stage) {
  const ts = createRequire(join(root, "package.json"))("typescript");
  const program = await import(pathToFileURL(join(root, "dist/kernel/type-check-program.js")).href);
  const cwd = join(root, "samples");
  const prelude = join(cwd, program.PRELUDE_FILE);
  const cells = join(cwd, program.CELLS_FILE);
  const virtual = new Map([[prelude, program.PRELUDE], [cells, `${sampleCells(cwd).join("\n;\n")}\nexport {};\n`]]);
  const options = program.checkerOptions(ts, root, cwd);
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (file, version, ...rest) =>
    virtual.has(file) ? ts.createSourceFile(file, virtual.get(file), version) : getSourceFile.call(host, file, version, ...rest);
  host.fileExists = (file) => virtual.has(file) || fileExists.call(host, file);
  host.readFile = (file) => virtual.get(file) ?? readFile.call(host, file);
  const checked = ts.createProgram({ rootNames: [prelude, cells], options, host });
  const errors = [...checked.getSyntacticDiagnostics(), ...checked.getSemanticDiagnostics()]
    .filter((d) => !program.IGNORED_CODES.has(d.code))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));

  const needed = new Set();
  for (const file of checked.getSourceFiles()) {
    if (virtual.has(file.fileName)) continue;
    const rel = relative(root, file.fileName);
    if (rel.startsWith("..")) throw new Error(`the type checker loads ${file.fileName}, outside the package`);
    needed.add(rel.split(sep).join("/"));
  }
  for (const rel of walk(stage)) if (DECLARATION.test(rel) && !needed.has(rel)) rmSync(join(stage, rel));
  const packages = {};
  for (const rel of needed) {
    if (!existsSync(join(stage, rel))) cpSync(join(root, rel), join(stage, rel));
    const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(rel)?.[1];
    if (!name) continue;
    const manifest = join("node_modules", name, "package.json");
    // A package only its declarations come from (@types/node): its package.json too, for resolution and `npm list`.
    if (!existsSync(join(stage, manifest))) cpSync(join(root, manifest), join(stage, manifest));
    packages[name] = JSON.parse(readFileSync(join(root, manifest), "utf8")).version;
  }
  return { files: needed.size, packages, errors };
}

/** The code cells of the sample notebooks (the checker sees every executed cell as one module, in order). */
function sampleCells(dir) {
  return readdirSync(dir).filter((f) => f.endsWith(".chalknb")).sort().flatMap((f) => {
    const nb = JSON.parse(readFileSync(join(dir, f), "utf8"));
    return nb.cells.filter((c) => c.kind === "code").map((c) => c.source);
  });
}

/** Paths of the files under `dir`, relative and with `/`. */
function walk(dir, prefix = "") {
  const out = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, rel));
    else out.push(rel);
  }
  return out;
}
