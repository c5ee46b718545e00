import { readFile } from "node:fs/promises";

/**
 * The connection file a Jupyter frontend writes before it starts a kernel
 * (https://jupyter-client.readthedocs.io/en/stable/kernels.html#connection-files): where to bind the five sockets and
 * the key that signs every message.
 */

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

export type Channel = "shell" | "control" | "iopub" | "stdin" | "hb";

export async function readConnectionFile(file: string): Promise<ConnectionInfo> {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`connection file ${file}: ${(error as Error).message}`);
  }
  const port = (name: string): number => {
    const p = value[name];
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p > 65535) {
      throw new Error(`connection file ${file}: ${name} must be a port number, got ${JSON.stringify(p)}`);
    }
    return p;
  };
  const transport = value.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") throw new Error(`connection file ${file}: transport must be "tcp" or "ipc", got ${JSON.stringify(transport)}`);
  return {
    transport,
    ip: typeof value.ip === "string" ? value.ip : "127.0.0.1",
    shell_port: port("shell_port"),
    control_port: port("control_port"),
    iopub_port: port("iopub_port"),
    stdin_port: port("stdin_port"),
    hb_port: port("hb_port"),
    key: typeof value.key === "string" ? value.key : "",
    signature_scheme: typeof value.signature_scheme === "string" ? value.signature_scheme : "hmac-sha256",
  };
}

/** The ZeroMQ endpoint of one channel (ipc endpoints are `<ip>-<port>` files, as jupyter_client names them). */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
