import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../helpers/paths.js";
import { writeOfflineProject } from "./offline-install.js";

// What a user gets from `npm install chalknb`: the packed tarball (from the dist/ that `npm test` built) installed into
// a fresh project outside the repository, offline from the npm cache, then used the documented ways.

const run = promisify(execFile);

const FUNCTION_FILE = `import { defineFunction } from "chalknb/worker";

enum Case { Upper }
export const shout = defineFunction({ name: "shout", maxBatchingSize: 2 }, (text: string[]) =>
  text.map((t) => (Case.Upper === 0 ? t.toUpperCase() : t)));
`;

const SCRIPT = `import { Remote } from "chalknb";
import { tableFromArrays } from "apache-arrow";

const result = await new Remote().function("shout").chunkedCall(tableFromArrays({ text: ["a", "b", "c"] }), { chunkSize: 2 });
console.log(JSON.stringify([...result.getChild("result")]));
`;

/** A TypeScript user of the three entry points: the shipped .d.ts files and the exports map must type-check it. */
const TYPED_USER = `import { Remote, ChalknbError, writeParquet, defineFunction as fromRoot } from "chalknb";
import { defineFunction, startWorker } from "chalknb/worker";
import { startQueue } from "chalknb/queue";

const remote: Remote = new Remote({ url: "ws://127.0.0.1:1" });
export const used = [remote, ChalknbError, writeParquet, fromRoot === defineFunction, startWorker, startQueue];
`;

test("npm pack ships dist/ (no tests, benches or maps), bin, README and LICENSE; installed offline, chalknb runs from a fresh project", { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "chalknb-pack-"));
  try {
    const { stdout: packed } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: repoRoot, maxBuffer: 16 << 20 });
    const [tarball] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
    const files = tarball!.files.map((f) => f.path);
    for (const required of ["package.json", "README.md", "LICENSE", "bin/chalknb.js", "dist/index.js", "dist/index.d.ts", "dist/worker.js", "dist/queue.js"]) {
      assert.ok(files.includes(required), `${required} is in the tarball`);
    }
    assert.deepEqual(files.filter((f) => /^dist\/(test|bench|webview)\/|\.map$|^(test|bench|extension|webview|samples|scripts)\//.test(f)), []);

    const project = join(dir, "project");
    await mkdir(join(project, "functions"), { recursive: true });
    const { stdout: registry } = await run("npm", ["config", "get", "registry"], { cwd: repoRoot });
    await writeOfflineProject(repoRoot, project, join(dir, tarball!.filename), registry.trim());
    // --offline: the cache or a clear ENOTCACHED, never a wait on the network. --ignore-scripts: native addons that
    // need a build step (zeromq's) are not what this checks.
    await run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--fetch-retries=0"], { cwd: project, timeout: 240_000 });

    const help = await run("npx", ["--no", "--", "chalknb", "--help"], { cwd: project });
    // npm's own warnings (e.g. about a config it passed down from the repo's .npmrc) come first; the usage follows.
    assert.equal(help.stderr.split("\n").find((line) => !line.startsWith("npm warn")), "usage: chalknb <command> [options]");

    await writeFile(join(project, "functions", "shout.ts"), FUNCTION_FILE);
    await writeFile(join(project, "script.mjs"), SCRIPT);
    const env = { ...process.env };
    delete env.CHALKNB_QUEUE_URL;
    delete env.CHALKNB_TOKEN;
    const { stdout } = await run(process.execPath, ["script.mjs"], { cwd: project, env, timeout: 120_000 });
    assert.equal(stdout.trim(), '["A","B","C"]');

    await writeFile(join(project, "typed-user.ts"), TYPED_USER);
    const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
    const checked = await run(process.execPath, [tsc, "--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "typed-user.ts"], { cwd: project })
      .then(() => "", (error: { stdout?: string }) => error.stdout ?? String(error));
    assert.equal(checked, "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
