/** Status bar item: the active chalknb notebook's kernel state and the queue connection. */
import * as vscode from "vscode";
import type { KernelManager, KernelState } from "./kernel-session.js";
import { pollQueue } from "./queue-http.js";
import { readSettings, readToken } from "./settings.js";

const ICONS: Record<KernelState, string> = {
  "not started": "$(circle-outline)",
  starting: "$(loading~spin)",
  idle: "$(circle-filled)",
  busy: "$(sync~spin)",
  restarting: "$(loading~spin)",
  dead: "$(error)",
};

export class KernelStatusBar implements vscode.Disposable {
  readonly #item: vscode.StatusBarItem;
  readonly #disposables: vscode.Disposable[] = [];
  #queue = "";
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly kernels: KernelManager, private readonly secrets: vscode.SecretStorage) {
    this.#item = vscode.window.createStatusBarItem("chalknb.status", vscode.StatusBarAlignment.Left, 50);
    this.#item.name = "chalknb kernel";
    this.#item.command = "chalknb.openDashboard";
    this.#disposables.push(
      this.#item,
      vscode.window.onDidChangeActiveNotebookEditor(() => this.update()),
      kernels.onDidChangeSession(() => this.update()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("chalknb")) void this.#checkQueue();
      }),
    );
    this.#timer = setInterval(() => void this.#checkQueue(), 15_000);
    void this.#checkQueue();
    this.update();
  }

  update(): void {
    const nb = vscode.window.activeNotebookEditor?.notebook;
    if (nb?.notebookType !== "chalknb") {
      this.#item.hide();
      return;
    }
    if (!vscode.workspace.isTrusted) {
      this.#item.text = "$(shield) chalknb: Restricted Mode, cells do not run";
      this.#item.tooltip = "This workspace is not trusted: running a cell executes TypeScript with your user's rights. Trust the folder to run cells.";
      this.#item.command = "workbench.trust.manage";
      this.#item.show();
      return;
    }
    this.#item.command = "chalknb.openDashboard";
    const state = this.kernels.find(nb)?.state ?? "not started";
    this.#item.text = `${ICONS[state]} chalknb: ${state}${this.#queue ? ` · ${this.#queue}` : ""}`;
    this.#item.tooltip = `Kernel: ${state}\nQueue: ${this.#queue || "embedded default (started by the kernel on first call)"}\nClick to open the queue dashboard`;
    this.#item.show();
  }

  async #checkQueue(): Promise<void> {
    const settings = readSettings();
    if (!settings.queueUrl) {
      this.#queue = "embedded queue";
    } else {
      const snap = await pollQueue(settings.queueUrl, await readToken(this.secrets), 3_000);
      this.#queue = snap.error ? "$(debug-disconnect) queue unreachable" : `$(plug) queue · ${snap.functions?.length ?? 0} functions`;
    }
    this.update();
  }

  dispose(): void {
    clearInterval(this.#timer);
    for (const d of this.#disposables) d.dispose();
  }
}
