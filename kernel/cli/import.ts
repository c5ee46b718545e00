import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fromIpynb } from "../ipynb-import.js";
import { serializeNotebook } from "../notebook-format.js";
import { dropCommand, parseArgs, UsageError } from "./args.js";
import { writeFileAtomic } from "./atomic-write.js";

/**
 * `chalknb import <notebook.ipynb> [--out file.chalknb] [--force]`: a TypeScript or JavaScript Jupyter notebook (tslab,
 * Deno) becomes a `.chalknb` (default: the same name). An existing output is kept unless `--force`. Exit codes:
 * 0 written; 1 output exists; 2 usage error or a notebook that cannot be imported.
 */

const USAGE = "usage: chalknb import <notebook.ipynb> [--out file.chalknb] [--force]";

export async function main(argv: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = { out: process.stdout, err: process.stderr }): Promise<number> {
  let input: string;
  let output: string;
  let force: boolean;
  try {
    const args = parseArgs(dropCommand(argv, "import"), { options: ["out"], flags: ["help", "force"] });
    if (args.flags.has("help")) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError(`expected one .ipynb file, got ${args.positionals.length}`);
    input = path.resolve(args.positionals[0]!);
    output = path.resolve(args.options.out ?? input.replace(/\.ipynb$/i, "") + ".chalknb");
    force = args.flags.has("force");
  } catch (error) {
    io.err.write(`chalknb import: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const shown = (file: string) => path.relative(process.cwd(), file) || file;
  let text: string;
  let warnings: string[];
  try {
    const result = fromIpynb(JSON.parse(await readFile(input, "utf8")));
    text = serializeNotebook(result.notebook);
    warnings = result.warnings;
  } catch (error) {
    io.err.write(`chalknb import: cannot import ${shown(input)}: ${(error as Error).message}\n`);
    return 2;
  }
  if (!force && (await stat(output).then(() => true, () => false))) {
    io.err.write(`chalknb import: ${shown(output)} exists; pass --force to replace it or --out to write elsewhere\n`);
    return 1;
  }
  await writeFileAtomic(output, text);
  for (const warning of warnings) io.err.write(`chalknb import: note: ${warning}\n`);
  io.err.write(`chalknb import: wrote ${shown(output)}\n`);
  return 0;
}
