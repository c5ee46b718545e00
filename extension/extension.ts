/**
 * Extension entry: activate() only wires — construct, register, push onto context.subscriptions
 * (as in vscode-extension-samples' notebook samples). Each contribution lives in its own file.
 */
import * as vscode from "vscode";
import { CellDiagnostics } from "./cell-diagnostics.js";
import { registerCommands } from "./commands.js";
import { registerCompletions } from "./completions.js";
import { ChalknbController, JUPYTER_NOTEBOOK_TYPE, NOTEBOOK_TYPE } from "./controller.js";
import { KernelManager, type KernelState } from "./kernel-session.js";
import { RendererMessages } from "./renderer-messages.js";
import { ChalknbSerializer } from "./serializer.js";
import { KernelStatusBar } from "./status-bar.js";
import { TrustNotice } from "./trust.js";
import { VariablesView } from "./variables-view.js";

let kernels: KernelManager | undefined;

/** The extension's API (`vscode.extensions.getExtension("chalknb.chalknb").exports`). */
export interface ChalknbApi {
  /** Fires when the chalknb renderer has drawn an output (table, progress, embedding inspector). */
  onDidRender: RendererMessages["onDidRender"];
  /** Fires on every kernel state change (the status bar's text follows it). */
  onDidChangeKernelState: vscode.Event<{ notebook: vscode.Uri; state: KernelState }>;
  /** A notebook's kernel state, "not started" when it has none. */
  kernelState(notebook: vscode.Uri): KernelState;
}

export function activate(context: vscode.ExtensionContext): ChalknbApi {
  const log = vscode.window.createOutputChannel("chalknb", { log: true });
  const diagnostics = new CellDiagnostics();
  kernels = new KernelManager(context.secrets, log, context.extensionPath, diagnostics);
  const rendered = new RendererMessages(log, kernels);
  context.subscriptions.push(
    log,
    diagnostics,
    kernels,
    rendered,
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new ChalknbSerializer(), {
      transientOutputs: false,
      transientCellMetadata: { inputCollapsed: true, outputCollapsed: true },
    }),
    new ChalknbController(kernels),
    new ChalknbController(kernels, JUPYTER_NOTEBOOK_TYPE),
    new KernelStatusBar(kernels, context.secrets),
    new TrustNotice(),
    ...registerCommands(context, kernels),
    registerCompletions(kernels, log),
    new VariablesView(kernels),
  );
  const manager = kernels;
  return {
    onDidRender: rendered.onDidRender,
    onDidChangeKernelState: (listener, thisArg, disposables) =>
      manager.onDidChangeSession((s) => listener.call(thisArg, { notebook: s.notebook.uri, state: s.state }), undefined, disposables),
    kernelState: (uri) => manager.find(vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString()))?.state ?? "not started",
  };
}

export async function deactivate(): Promise<void> {
  await kernels?.shutdownAll();
}
