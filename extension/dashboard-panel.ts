/**
 * Queue dashboard: a webview panel. The extension polls the queue (the webview has no network under its CSP) and
 * posts snapshots to out/webview/dashboard.js, which draws functions, workers, buffered rows, batch fill, retries
 * and failures live.
 */
import * as vscode from "vscode";
import { randomBytes } from "node:crypto";
import { cancelCall, pollQueue } from "./queue-http.js";
import { readSettings, readToken } from "./settings.js";
import type { QueueEndpoint } from "./kernel-session.js";

export class DashboardPanel implements vscode.Disposable {
  static current: DashboardPanel | undefined;
  readonly panel: vscode.WebviewPanel;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;
  /** The queue and token of the last poll: what a Cancel button in the panel acts on. */
  #watched: { url: string; token: string | undefined } | undefined;
  readonly #disposables: vscode.Disposable[] = [];

  static show(extensionUri: vscode.Uri, secrets: vscode.SecretStorage, queueUrl?: string, kernelQueue?: () => Promise<QueueEndpoint | undefined>): DashboardPanel {
    if (DashboardPanel.current && DashboardPanel.current.queueUrl === queueUrl) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    // Asked for another queue: one panel at a time, watching what was asked for last.
    DashboardPanel.current?.panel.dispose();
    const groups = vscode.window.tabGroups.all.length;
    DashboardPanel.current = new DashboardPanel(extensionUri, secrets, queueUrl, kernelQueue);
    // Opened a second group beside the notebook: give the notebook 55 % and the dashboard's cards the rest (a layout
    // with more groups is the user's own and is left alone).
    if (groups === 1 && vscode.window.tabGroups.all.length === 2) {
      void vscode.commands.executeCommand("vscode.setEditorLayout", { orientation: 0, groups: [{ size: 0.55 }, { size: 0.45 }] });
    }
    return DashboardPanel.current;
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly secrets: vscode.SecretStorage,
    private readonly queueUrl?: string,
    /** The queue a running kernel uses (its embedded default), asked when no URL is configured. */
    private readonly kernelQueue?: () => Promise<QueueEndpoint | undefined>,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, "out", "webview");
    this.panel = vscode.window.createWebviewPanel("chalknb.dashboard", "chalknb Queue", vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: false,
    });
    this.panel.webview.html = this.#html(media);
    this.#disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: { type?: string; id?: unknown }) => {
        if (m?.type === "ready") void this.#poll();
        if (m?.type === "cancel-call" && typeof m.id === "string") void this.#cancel(m.id);
      }),
    );
  }

  async #poll(): Promise<void> {
    if (this.#disposed) return;
    clearTimeout(this.#timer);
    const settings = readSettings();
    const configured = this.queueUrl || settings.queueUrl;
    // Nothing configured: watch the queue a running kernel uses (its embedded default), with the token it made.
    const fromKernel = configured ? undefined : await this.kernelQueue?.().catch(() => undefined);
    const url = configured || fromKernel?.url;
    if (this.#disposed) return;
    if (!url) {
      void this.panel.webview.postMessage({
        type: "snapshot", at: Date.now(), url: "(embedded default)",
        error: "No queue yet: no queue URL is set and no running kernel has used one. Run a cell that calls a Remote function (its embedded queue shows up here), or set chalknb.queueUrl to watch a shared queue.",
      });
    } else {
      const token = fromKernel ? fromKernel.token : await readToken(this.secrets);
      this.#watched = { url, token };
      const snap = await pollQueue(url, token);
      if (this.#disposed) return;
      void this.panel.webview.postMessage({ type: "snapshot", ...snap });
    }
    this.#timer = setTimeout(() => void this.#poll(), settings.pollIntervalMs);
  }

  /** The panel's Cancel button on a spawned call: cancel it on the queue, then show the queue as it is now. */
  async #cancel(id: string): Promise<void> {
    const watched = this.#watched;
    if (!watched) return;
    const error = await cancelCall(watched.url, watched.token, id);
    if (error) void vscode.window.showErrorMessage(`chalknb: could not cancel call ${id}: ${error}`);
    void this.#poll();
  }

  #html(media: vscode.Uri): string {
    const w = this.panel.webview;
    const nonce = randomBytes(16).toString("base64");
    const script = w.asWebviewUri(vscode.Uri.joinPath(media, "dashboard.js"));
    const css = w.asWebviewUri(vscode.Uri.joinPath(media, "dashboard.css"));
    return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}"><title>chalknb Queue</title></head>
<body><div id="app">Connecting…</div><script nonce="${nonce}" src="${script}"></script></body></html>`;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    clearTimeout(this.#timer);
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    for (const d of this.#disposables) d.dispose();
    this.panel.dispose();
  }
}
