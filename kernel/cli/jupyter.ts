import path from "node:path";
import type { SpecLocation } from "../jupyter/kernelspec.js";
import { dropCommand, parseArgs, UsageError, type ParsedArgs } from "./args.js";

/**
 * `chalknb jupyter install [--user | --sys-prefix | --prefix DIR] [--name NAME]`, `chalknb jupyter uninstall` (same
 * options) and `chalknb jupyter kernel --connection-file F` (what the kernelspec runs). Exit codes: 0 done; 1 nothing
 * to uninstall or the kernel failed to start; 2 usage error.
 */

const USAGE = [
  "usage: chalknb jupyter install [--user | --sys-prefix | --prefix DIR] [--name NAME]",
  "       chalknb jupyter uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]",
  "       chalknb jupyter kernel --connection-file FILE",
].join("\n");

type Io = { out: NodeJS.WritableStream; err: NodeJS.WritableStream };

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [sub, ...rest] = dropCommand(argv, "jupyter");
  let args: ParsedArgs;
  try {
    if (sub === "--help" || sub === "-h" || sub === undefined) {
      (sub === undefined ? io.err : io.out).write(`${USAGE}\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub === "kernel") {
      args = parseArgs(rest, { options: ["connection-file"] });
      const file = args.options["connection-file"];
      if (!file) throw new UsageError("kernel: --connection-file is required");
      // zeromq is an optional dependency (a native addon): users of the SDK alone never load or need it.
      const { runJupyterKernel } = await import("../jupyter/kernel.js").catch((error: NodeJS.ErrnoException) => {
        if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("zeromq")) {
          throw new Error("the Jupyter kernel needs the optional dependency zeromq, which is not installed here: run `npm install zeromq@6.8.0` next to chalknb");
        }
        throw error;
      });
      return await runJupyterKernel(path.resolve(file));
    }
    if (sub !== "install" && sub !== "uninstall") throw new UsageError(`unknown subcommand "${sub}" (known: install, uninstall, kernel)`);
    args = parseArgs(rest, { options: ["prefix", "name"], flags: ["user", "sys-prefix", "help"] });
    if (args.flags.has("help")) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`${sub}: unexpected argument "${args.positionals[0]}"`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`chalknb jupyter: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  let location: SpecLocation;
  try {
    location = chooseLocation(args);
  } catch (error) {
    io.err.write(`chalknb jupyter: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const name = args.options.name;
  // Loaded here, not at the top: `jupyter kernel` (every kernel start) never needs what writes kernelspecs.
  const { DISPLAY_NAME, installKernelSpec, uninstallKernelSpec } = await import("../jupyter/kernelspec.js");
  if (sub === "install") {
    const dir = await installKernelSpec(location, name);
    io.err.write(`chalknb jupyter: installed kernelspec "${path.basename(dir)}" (${DISPLAY_NAME}) in ${dir}\n`);
    return 0;
  }
  const dir = await uninstallKernelSpec(location, name);
  if (!dir) {
    io.err.write(`chalknb jupyter: no kernelspec "${name ?? "chalknb"}" is installed there\n`);
    return 1;
  }
  io.err.write(`chalknb jupyter: removed ${dir}\n`);
  return 0;
}

function chooseLocation(args: ParsedArgs): SpecLocation {
  const chosen = [args.flags.has("user"), args.flags.has("sys-prefix"), args.options.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new Error("--user, --sys-prefix and --prefix exclude each other");
  if (args.options.prefix !== undefined) return { kind: "prefix", dir: args.options.prefix };
  if (args.flags.has("sys-prefix")) return { kind: "sys-prefix" };
  return { kind: "user" };
}
