/**
 * The renderer's messages. `chalknb.rendered` (posted once a view has drawn) is re-fired as the extension API's
 * `onDidRender`, so other extensions — and the e2e suite, which VS Code does not let open our renderer's messaging
 * itself — can tell an output really rendered. `chalknb.kernelRequest` (a lazy table's row window, sort, filter, an
 * inspector op) is relayed to the notebook's kernel and answered with `chalknb.kernelReply` to the same editor.
 */
import * as vscode from "vscode";
import type { KernelReplyMessage, KernelRequestMessage } from "../protocol/renderer-messages.js";
import type { RenderedMessage } from "../webview/lib/rendered-message.js";
import type { KernelManager } from "./kernel-session.js";

export const RENDERER_ID = "chalknb.renderer";

export class RendererMessages implements vscode.Disposable {
  readonly #emitter = new vscode.EventEmitter<RenderedMessage>();
  readonly onDidRender = this.#emitter.event;
  readonly #subscription: vscode.Disposable;

  constructor(log: vscode.LogOutputChannel, kernels: KernelManager) {
    const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
    this.#subscription = messaging.onDidReceiveMessage((e) => {
      const m = e.message as RenderedMessage | KernelRequestMessage;
      if (m?.type === "chalknb.kernelRequest") {
        void relay(m, e.editor, kernels, log).then((reply) => messaging.postMessage(reply, e.editor));
        return;
      }
      if (m?.type !== "chalknb.rendered") return;
      log.debug(`rendered ${m.view} ${m.outputId}${m.ms !== undefined ? ` in ${Math.round(m.ms)} ms` : ""}${m.message ? `: ${m.message}` : ""}`);
      this.#emitter.fire(m);
    });
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#emitter.dispose();
  }
}

async function relay(m: KernelRequestMessage, editor: vscode.NotebookEditor, kernels: KernelManager, log: vscode.LogOutputChannel): Promise<KernelReplyMessage> {
  const base = { type: "chalknb.kernelReply" as const, requestId: String(m.requestId) };
  if (typeof m.handle !== "string" || typeof m.op !== "string") {
    return { ...base, ok: false, code: "CHALKNB_INVALID_ARGUMENT", message: "a kernel request needs a table handle and an op name" };
  }
  const session = kernels.find(editor.notebook);
  if (!session) return { ...base, ok: false, code: "CHALKNB_NO_KERNEL", message: "No kernel is running for this notebook: run the cell to browse all rows." };
  const started = Date.now();
  const reply = await session.tableRequest(m.handle, m.op, m.args);
  log.debug(`table ${m.op} ${m.handle}: ${reply.ok ? "ok" : reply.code} in ${Date.now() - started} ms`);
  return reply.ok ? { ...base, ok: true, result: reply.result, ...(reply.ipc !== undefined ? { ipc: reply.ipc } : {}) } : { ...base, ...reply };
}
