// `npm run fuzz`: the body fuzzers that CI runs bounded (a fixed seed, ~20 s), run longer. Each run prints its seed;
// CHALKNB_FUZZ_SEED=<n> replays one, CHALKNB_FUZZ_ITERATIONS and CHALKNB_FUZZ_SECONDS bound it.
import { spawnSync } from "node:child_process";

const env = {
  ...process.env,
  CHALKNB_FUZZ_SEED: process.env.CHALKNB_FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31)),
  CHALKNB_FUZZ_ITERATIONS: process.env.CHALKNB_FUZZ_ITERATIONS ?? "200000",
  CHALKNB_FUZZ_SECONDS: process.env.CHALKNB_FUZZ_SECONDS ?? "300",
};
console.log(`fuzzing with CHALKNB_FUZZ_SEED=${env.CHALKNB_FUZZ_SEED}, up to ${env.CHALKNB_FUZZ_ITERATIONS} bodies per fuzzer and ${env.CHALKNB_FUZZ_SECONDS} s through the queue`);
const files = ["dist/test/protocol/ipc-validation.test.js", "dist/test/queue/body-fuzz.test.js"];
const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], { stdio: "inherit", env });
process.exit(run.status ?? 1);
