import { test } from "node:test";
import assert from "node:assert/strict";
import { dropCommand, parseArgs, UsageError } from "../../kernel/cli/args.js";

const spec = { options: ["out", "timeout"], flags: ["help", "force"] };

const usage = (argv: string[]): string => {
  try {
    parseArgs(argv, spec);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`${JSON.stringify(argv)} parsed`);
};

test("parseArgs reads positionals, --name value, --name=value, flags and everything after --", () => {
  const parsed = parseArgs(["nb.chalknb", "--out", "a.chalknb", "--timeout=5", "--force", "--", "--not-an-option"], spec);
  assert.deepEqual(parsed.positionals, ["nb.chalknb", "--not-an-option"]);
  assert.deepEqual(parsed.options, { out: "a.chalknb", timeout: "5" });
  assert.deepEqual([...parsed.flags], ["force"]);
  assert.deepEqual([...parseArgs(["-h"], spec).flags], ["help"]);
});

test("an unknown option is a usage error that names it and lists the known ones", () => {
  assert.equal(usage(["--bogus", "1"]), "unknown option --bogus (known: --out, --timeout, --help, --force)");
  assert.equal(usage(["--bogus=1"]), "unknown option --bogus (known: --out, --timeout, --help, --force)");
  assert.equal(usage(["-x"]), "unknown option -x (known: --out, --timeout, --help, --force)");
});

test("an option without its value, or a flag given one, is a usage error naming the option", () => {
  assert.equal(usage(["--out"]), "--out needs a value");
  assert.equal(usage(["--timeout", "-5"]), '--timeout needs a value (one that starts with "-" is written --timeout=-value)');
  assert.equal(usage(["--out", "--force"]), '--out needs a value (one that starts with "-" is written --out=-value)');
  assert.equal(usage(["--force=yes"]), "--force takes no value");
  assert.equal(usage(["--help=1"]), "--help takes no value");
  assert.deepEqual(parseArgs(["--timeout=-5"], spec).options, { timeout: "-5" });
});

test("dropCommand removes the subcommand only when it leads", () => {
  assert.deepEqual(dropCommand(["run", "nb.chalknb"], "run"), ["nb.chalknb"]);
  assert.deepEqual(dropCommand(["nb.chalknb", "run"], "run"), ["nb.chalknb", "run"]);
});
