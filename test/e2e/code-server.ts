/**
 * Starts code-server 4.100.3 (installed by .ci/setup-vscode-e2e.sh) for one test run, per shared/VSCODE-E2E.md:
 * loopback port, no auth, its own HOME/XDG/TMPDIR, detached so the whole process group can be killed at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CodeServer {
  port: number;
  url: string;
  log(): string;
  stop(): Promise<void>;
}

export function codeServerEntry(root: string): string {
  return join(root, ".vscode-test/code-server/node_modules/code-server/out/node/entry.js");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startCodeServer(options: {
  root: string;
  home: string;
  workspace: string;
  trust: boolean;
  env?: Record<string, string>;
}): Promise<CodeServer> {
  const entry = codeServerEntry(options.root);
  if (!existsSync(entry)) throw new Error(`code-server is not installed at ${entry}: run .ci/setup-vscode-e2e.sh`);
  const port = await freePort();
  const home = options.home;
  for (const d of ["config", "data", "tmp", "user-data", "extensions"]) mkdirSync(join(home, d), { recursive: true });
  const config = join(home, "config.yaml");
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    entry, "--config", config, "--user-data-dir", join(home, "user-data"), "--extensions-dir", join(home, "extensions"),
    "--disable-telemetry", "--disable-update-check", "--disable-getting-started-override",
    ...(options.trust ? ["--disable-workspace-trust"] : []),
    options.workspace,
  ];
  let output = "";
  const child: ChildProcess = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
      TMPDIR: join(home, "tmp"),
      ...options.env,
    },
  });
  const onData = (b: Buffer): void => {
    output = (output + b.toString()).slice(-200_000);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      if (output.includes("HTTP server listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      try {
        process.kill(-child.pid!, "SIGTERM"); // the whole group: its file watcher and extension host too
      } catch {
        return;
      }
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5_000));
      await Promise.race([exited, timeout]);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}
