import { parseArgs as parseArgv, type ParseArgsConfig } from "node:util";

/**
 * The kernel CLI commands' options, parsed by `node:util`'s `parseArgs` (as `chalknb queue` does) in strict mode:
 * positionals, `--name value`, `--name=value`, boolean flags and `--` (what follows is positional). Its errors are
 * rewritten into usage errors that name the option, and for an unknown one list the known ones, the same words for
 * every command.
 */

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string>;
  flags: Set<string>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface ArgsSpec {
  /** Options that take a value. */
  options: readonly string[];
  /** Boolean flags; a `help` flag also answers to `-h`. */
  flags?: readonly string[];
}

export function parseArgs(argv: readonly string[], spec: ArgsSpec): ParsedArgs {
  const flags = spec.flags ?? [];
  const config: NonNullable<ParseArgsConfig["options"]> = {};
  for (const name of spec.options) config[name] = { type: "string" };
  for (const name of flags) config[name] = name === "help" ? { type: "boolean", short: "h" } : { type: "boolean" };
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgv({ args: [...argv], options: config, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageError(error, spec);
  }
  const result: ParsedArgs = { positionals: parsed.positionals, options: {}, flags: new Set() };
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === "string") result.options[name] = value;
    else if (value === true) result.flags.add(name);
  }
  return result;
}

/** node:util's parse errors in this CLI's words; anything else is returned as it is. */
function usageError(error: unknown, spec: ArgsSpec): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as Error | null)?.message ?? "");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    // The message quotes the option as it was written: 'Unknown option '--bogus'. ...'.
    const option = /'(-[^']*)'/.exec(message)?.[1] ?? "";
    const known = [...spec.options, ...(spec.flags ?? [])].map((o) => `--${o}`).join(", ");
    return new UsageError(`unknown option ${option} (known: ${known})`);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    // 'Option '--out <value>' argument missing', '... is ambiguous', 'Option '-h, --help' does not take an argument'.
    const name = /--([^' <]+)/.exec(message)?.[1] ?? "";
    if (spec.flags?.includes(name)) return new UsageError(`--${name} takes no value`);
    if (message.includes("ambiguous")) return new UsageError(`--${name} needs a value (one that starts with "-" is written --${name}=-value)`);
    return new UsageError(`--${name} needs a value`);
  }
  return error;
}

/** `main(argv)` may be handed the subcommand too (`["run", "nb.chalknb"]`): drop it. */
export function dropCommand(argv: readonly string[], command: string): string[] {
  return argv[0] === command ? argv.slice(1) : [...argv];
}
