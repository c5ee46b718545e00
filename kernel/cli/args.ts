/**
 * A small argument parser for the kernel's CLI commands: positionals, `--name value`, `--name=value` and boolean
 * flags. Unknown options are errors that name the option and list the known ones.
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

export function parseArgs(argv: readonly string[], spec: { options: readonly string[]; flags?: readonly string[] }): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], options: {}, flags: new Set() };
  const flags = spec.flags ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "--") {
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      parsed.flags.add(name);
      continue;
    }
    if (!spec.options.includes(name)) {
      const known = [...spec.options, ...flags].map((o) => `--${o}`).join(", ");
      throw new UsageError(`unknown option --${name} (known: ${known})`);
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    parsed.options[name] = value;
  }
  return parsed;
}

/** `main(argv)` may be handed the subcommand too (`["run", "nb.chalknb"]`): drop it. */
export function dropCommand(argv: readonly string[], command: string): string[] {
  return argv[0] === command ? argv.slice(1) : [...argv];
}
