/** The extension's settings and the queue token (SecretStorage, never settings.json). */
import * as vscode from "vscode";

export const TOKEN_KEY = "chalknb.queueToken";

export interface QueueSettings {
  /** ws:// URL, or "" for the embedded default. */
  queueUrl: string;
  functionsFolder: string;
  pollIntervalMs: number;
  /** Most UTF-8 bytes of one stream output (stdout or stderr run) kept in a cell. */
  maxOutputBytes: number;
  /** Most bytes of one output in the saved notebook; larger ones are saved as their preview. */
  maxSavedOutputBytes: number;
}

export function readSettings(scope?: vscode.Uri): QueueSettings {
  const c = vscode.workspace.getConfiguration("chalknb", scope);
  return {
    queueUrl: (c.get<string>("queueUrl") ?? "").trim(),
    functionsFolder: (c.get<string>("functionsFolder") ?? "functions").trim() || "functions",
    pollIntervalMs: Math.max(250, c.get<number>("dashboard.pollIntervalMs") ?? 2000),
    maxOutputBytes: Math.max(1024, c.get<number>("maxOutputBytes") ?? 10 * 1024 * 1024),
    maxSavedOutputBytes: Math.max(1024, c.get<number>("maxSavedOutputBytes") ?? 1024 * 1024),
  };
}

export async function readToken(secrets: vscode.SecretStorage): Promise<string | undefined> {
  return (await secrets.get(TOKEN_KEY)) || undefined;
}

/** ws(s)://h:p → http(s)://h:p: the queue serves its HTTP API on the WebSocket's port. */
export function httpBase(queueUrl: string): string {
  return queueUrl.replace(/^ws(s?):\/\//, "http$1://").replace(/\/+$/, "");
}
