import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chalknbBin } from "../helpers/paths.js";

// `chalknb jupyter install|uninstall` as real CLI processes writing real kernelspec folders.
let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chalknb-kernelspec-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [chalknbBin, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

test("install --prefix writes kernel.json (absolute node and bin, message interrupts) and the logos", async () => {
  const prefix = path.join(dir, "env");
  const specDir = path.join(prefix, "share", "jupyter", "kernels", "chalknb");
  assert.deepEqual(await cli(["jupyter", "install", "--prefix", prefix]), {
    code: 0,
    stderr: `chalknb jupyter: installed kernelspec "chalknb" (TypeScript (chalknb)) in ${specDir}\n`,
  });
  assert.deepEqual(JSON.parse(await readFile(path.join(specDir, "kernel.json"), "utf8")), {
    argv: [process.execPath, "--experimental-import-meta-resolve", "--no-warnings=ExperimentalWarning", chalknbBin, "jupyter", "kernel", "--connection-file", "{connection_file}"],
    display_name: "TypeScript (chalknb)",
    language: "typescript",
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false },
  });
  assert.deepEqual((await readdir(specDir)).sort(), ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]);
  const png = await readFile(path.join(specDir, "logo-64x64.png"));
  assert.deepEqual([png.subarray(1, 4).toString("latin1"), png.readUInt32BE(16), png.readUInt32BE(20)], ["PNG", 64, 64]);

  assert.deepEqual(await cli(["jupyter", "uninstall", "--prefix", prefix]), { code: 0, stderr: `chalknb jupyter: removed ${specDir}\n` });
  await assert.rejects(stat(specDir), { code: "ENOENT" });
  assert.deepEqual(await cli(["jupyter", "uninstall", "--prefix", prefix]), { code: 1, stderr: 'chalknb jupyter: no kernelspec "chalknb" is installed there\n' });
});

test("install --user honours JUPYTER_DATA_DIR and --name; conflicting locations and bad names are usage errors", async () => {
  const data = path.join(dir, "user-data");
  assert.equal((await cli(["jupyter", "install", "--user", "--name", "chalknb-dev"], { JUPYTER_DATA_DIR: data })).code, 0);
  const spec = JSON.parse(await readFile(path.join(data, "kernels", "chalknb-dev", "kernel.json"), "utf8")) as { display_name: string };
  assert.equal(spec.display_name, "TypeScript (chalknb)");
  const both = await cli(["jupyter", "install", "--user", "--prefix", dir]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^chalknb jupyter: --user, --sys-prefix and --prefix exclude each other\n/);
  const badName = await cli(["jupyter", "install", "--prefix", dir, "--name", "a/b"]);
  assert.equal(badName.code, 1);
  assert.equal(badName.stderr, 'chalknb jupyter: --name: kernel names use letters, digits, ".", "_" and "-" only, got "a/b"\n');
});
