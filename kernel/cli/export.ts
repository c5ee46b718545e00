import { readFile } from "node:fs/promises";
import path from "node:path";
import { toIpynb } from "../ipynb-export.js";
import { parseNotebook } from "../notebook-format.js";
import { dropCommand, parseArgs, UsageError } from "./args.js";
import { writeFileAtomic } from "./atomic-write.js";

/**
 * `chalknb export <nb.chalknb> --to ipynb [--out file]`: writes a Jupyter nbformat 4 notebook (default: the same name
 * with `.ipynb`). Exit codes: 0 written; 2 usage error or unreadable notebook.
 */

const USAGE = "usage: chalknb export <notebook.chalknb> --to ipynb [--out file.ipynb]";

export async function main(argv: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = { out: process.stdout, err: process.stderr }): Promise<number> {
  let input: string;
  let output: string;
  try {
    const args = parseArgs(dropCommand(argv, "export"), { options: ["to", "out"], flags: ["help"] });
    if (args.flags.has("help")) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError(`expected one notebook file, got ${args.positionals.length}`);
    if (args.options.to !== "ipynb") throw new UsageError(`--to: expected "ipynb", got ${args.options.to === undefined ? "nothing" : `"${args.options.to}"`}`);
    input = path.resolve(args.positionals[0]!);
    output = path.resolve(args.options.out ?? input.replace(/\.chalknb$/i, "") + ".ipynb");
  } catch (error) {
    io.err.write(`chalknb export: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    const notebook = parseNotebook(await readFile(input, "utf8"));
    text = `${JSON.stringify(toIpynb(notebook), null, 1)}\n`;
  } catch (error) {
    io.err.write(`chalknb export: cannot export ${path.relative(process.cwd(), input) || input}: ${(error as Error).message}\n`);
    return 2;
  }
  await writeFileAtomic(output, text);
  io.err.write(`chalknb export: wrote ${path.relative(process.cwd(), output) || output}\n`);
  return 0;
}
