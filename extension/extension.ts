/**
 * Extension entry: activate() only wires — construct, register, push onto context.subscriptions
 * (as in vscode-extension-samples' notebook samples). Each contribution lives in its own file.
 */
import * as vscode from "vscode";
import { registerCommands } from "./commands.js";
import { ChalknbController, NOTEBOOK_TYPE } from "./controller.js";
import { KernelManager } from "./kernel-session.js";
import { ChalknbSerializer } from "./serializer.js";
import { KernelStatusBar } from "./status-bar.js";

let kernels: KernelManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel("chalknb", { log: true });
  kernels = new KernelManager(context.secrets, log);
  context.subscriptions.push(
    log,
    kernels,
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new ChalknbSerializer(), {
      transientOutputs: false,
      transientCellMetadata: { inputCollapsed: true, outputCollapsed: true },
    }),
    new ChalknbController(kernels),
    new KernelStatusBar(kernels, context.secrets),
    ...registerCommands(context, kernels),
  );
}

export async function deactivate(): Promise<void> {
  await kernels?.shutdownAll();
}
