import { execFileSync, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chalknbBin, repoRoot } from "../helpers/paths.js";

/**
 * The real Jupyter clients the tests drive the kernel with: Debian's python3-jupyter-client and python3-nbclient,
 * through test/jupyter/scenarios.py. Found on PATH's python3 or the system one (a pyenv python3 may lack them).
 */

export const scenariosScript = path.join(repoRoot, "test", "jupyter", "scenarios.py");

function findPython(): string | undefined {
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(candidate, ["-c", "import jupyter_client, nbclient, zmq"], { stdio: "ignore" });
      return candidate;
    } catch {
      // next candidate
    }
  }
  return undefined;
}

export const python = findPython();
/** The reason to skip when no Python with jupyter_client is installed; false when the tests can run. */
export const skipReason: string | false = python
  ? false
  : "no python3 with jupyter_client and nbclient (apt-get install python3-jupyter-client python3-nbclient)";

/** Installs the kernelspec with the real CLI into a fresh prefix; returns the JUPYTER_PATH entry that finds it. */
export async function installSpec(): Promise<string> {
  const prefix = await mkdtemp(path.join(tmpdir(), "chalknb-jupyter-"));
  execFileSync(process.execPath, [chalknbBin, "jupyter", "install", "--prefix", prefix], { stdio: "ignore" });
  return path.join(prefix, "share", "jupyter");
}

/** Runs one scenario of scenarios.py to its end; resolves with the JSON it printed. */
export function runScenario<T>(jupyterPath: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    // The kernel inherits this environment: no outside queue, so `new Remote()` is the embedded default.
    const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: jupyterPath };
    delete env.CHALKNB_QUEUE_URL;
    delete env.CHALKNB_TOKEN;
    const child = spawn(python!, [scenariosScript, ...args], {
      env,
      // stdin ignored; the kernel's stderr goes to the file the scenario names, not into this pipe.
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`scenarios.py ${args[0]} exited with ${code}:\n${stderr.slice(-4000)}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch (error) {
        reject(new Error(`scenarios.py ${args[0]} printed no JSON (${(error as Error).message}):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

export interface Executed {
  reply: Record<string, unknown>;
  outputs: Array<Record<string, unknown> & { msg_type: string }>;
}
