import { execFileSync } from "node:child_process";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOGO_SVG, logoPng } from "./logo.js";

/**
 * Installs the chalknb kernelspec (https://jupyter-client.readthedocs.io/en/stable/kernels.html#kernel-specs) where
 * Jupyter looks for kernels: `<data dir>/kernels/<name>/kernel.json` plus logos. Its argv runs this checkout's
 * `bin/chalknb.js` with the Node that installed it (absolute paths: Jupyter may start kernels without our PATH).
 */

export const DEFAULT_KERNEL_NAME = "chalknb";
export const DISPLAY_NAME = "TypeScript (chalknb)";

export type SpecLocation = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string };

const binPath = fileURLToPath(new URL("../../../bin/chalknb.js", import.meta.url));

/** The Jupyter data folder for a location (`.../share/jupyter` or the user's platform folder). */
export function jupyterDataDir(location: SpecLocation, env: NodeJS.ProcessEnv = process.env): string {
  switch (location.kind) {
    case "prefix":
      return path.resolve(location.dir, "share", "jupyter");
    case "sys-prefix":
      return path.join(pythonPrefix(env), "share", "jupyter");
    case "user":
      return userDataDir(env);
  }
}

/** jupyter_core's `jupyter_data_dir()`: JUPYTER_DATA_DIR, else the platform's per-user folder. */
function userDataDir(env: NodeJS.ProcessEnv): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  const home = env.HOME ?? os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** The active Python environment (where `pip install --sys-prefix` would go): conda, a venv, or python3's own. */
function pythonPrefix(env: NodeJS.ProcessEnv): string {
  if (env.CONDA_PREFIX) return env.CONDA_PREFIX;
  if (env.VIRTUAL_ENV) return env.VIRTUAL_ENV;
  try {
    return execFileSync("python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
  } catch (error) {
    throw new Error(`--sys-prefix: no conda or virtual environment is active and python3 did not answer (${(error as Error).message}); use --prefix DIR`);
  }
}

export function validateKernelName(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`--name: kernel names use letters, digits, ".", "_" and "-" only, got "${name}"`);
  return name.toLowerCase();
}

export function kernelJson(): Record<string, unknown> {
  return {
    argv: [
      process.execPath,
      // The cell runtime resolves a notebook's imports from its folder (import.meta.resolve with a parent URL).
      "--experimental-import-meta-resolve",
      "--no-warnings=ExperimentalWarning",
      binPath,
      "jupyter",
      "kernel",
      "--connection-file",
      "{connection_file}",
    ],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec; returns its folder. An existing spec of the same name is replaced. */
export async function installKernelSpec(location: SpecLocation, name = DEFAULT_KERNEL_NAME): Promise<string> {
  const dir = path.join(jupyterDataDir(location), "kernels", validateKernelName(name));
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(path.join(dir, "kernel.json"), `${JSON.stringify(kernelJson(), null, 2)}\n`),
    writeFile(path.join(dir, "logo-32x32.png"), logoPng(32)),
    writeFile(path.join(dir, "logo-64x64.png"), logoPng(64)),
    writeFile(path.join(dir, "logo-svg.svg"), LOGO_SVG),
  ]);
  return dir;
}

/** Removes the kernelspec; returns its folder, or undefined when none was installed there. */
export async function uninstallKernelSpec(location: SpecLocation, name = DEFAULT_KERNEL_NAME): Promise<string | undefined> {
  const dir = path.join(jupyterDataDir(location), "kernels", validateKernelName(name));
  const exists = await stat(path.join(dir, "kernel.json")).then(() => true, () => false);
  if (!exists) return undefined;
  await rm(dir, { recursive: true, force: true });
  return dir;
}
