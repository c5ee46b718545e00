/**
 * Messages the renderer posts once a view has drawn (`chalknb.rendered`, see webview/renderer-api.ts). Re-fired as
 * the extension API's `onDidRender`, so other extensions — and the e2e suite, which VS Code does not let open our
 * renderer's messaging itself — can tell an output really rendered.
 */
import * as vscode from "vscode";
import type { RenderedMessage } from "../webview/lib/rendered-message.js";

export const RENDERER_ID = "chalknb.renderer";

export class RendererMessages implements vscode.Disposable {
  readonly #emitter = new vscode.EventEmitter<RenderedMessage>();
  readonly onDidRender = this.#emitter.event;
  readonly #subscription: vscode.Disposable;

  constructor(log: vscode.LogOutputChannel) {
    const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
    this.#subscription = messaging.onDidReceiveMessage((e) => {
      const m = e.message as RenderedMessage;
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
