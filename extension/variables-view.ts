/**
 * "chalknb: Show Variables": a tree view of the active notebook's kernel variables (name, type, short value; Arrow
 * tables with rows × columns and their schema as children). VS Code's own "Notebook: Variables" view is fed by
 * `NotebookController.variableProvider`, a proposed API (1.100 still checks `notebookVariableProvider`) that an
 * extension from the Marketplace cannot use, so the view is this extension's own.
 * Refreshed when a kernel goes idle and when another notebook becomes active; asking never starts a kernel.
 */
import * as vscode from "vscode";
import type { VariableInfo } from "../kernel/messages.js";
import { NOTEBOOK_TYPE } from "./controller.js";
import type { KernelManager } from "./kernel-session.js";

export const VARIABLES_VIEW = "chalknb.variables";

type Node = { kind: "variable"; variable: VariableInfo } | { kind: "field"; name: string; type: string };

export class VariablesView implements vscode.Disposable, vscode.TreeDataProvider<Node> {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.#changed.event;
  readonly #view: vscode.TreeView<Node>;
  readonly #disposables: vscode.Disposable[] = [];
  #variables: VariableInfo[] | undefined;

  constructor(private readonly kernels: KernelManager) {
    this.#view = vscode.window.createTreeView(VARIABLES_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.#disposables.push(
      this.#view,
      this.#changed,
      this.#view.onDidChangeVisibility(() => void this.refresh()),
      vscode.window.onDidChangeActiveNotebookEditor(() => void this.refresh()),
      kernels.onDidChangeSession((session) => {
        if (session.state === "idle" || session.state === "dead" || session.state === "not started") void this.refresh();
      }),
      // Returns what it shows (tests read it).
      vscode.commands.registerCommand("chalknb.showVariables", async () => {
        await vscode.commands.executeCommand(`${VARIABLES_VIEW}.focus`);
        return this.refresh(true);
      }),
    );
  }

  /** The variables shown now (read again from the kernel), for the view and for tests. */
  async refresh(force = false): Promise<VariableInfo[]> {
    const notebook = vscode.window.activeNotebookEditor?.notebook ?? vscode.window.visibleNotebookEditors.find((e) => e.notebook.notebookType === NOTEBOOK_TYPE)?.notebook;
    const session = notebook?.notebookType === NOTEBOOK_TYPE ? this.kernels.find(notebook) : undefined;
    // Asked only while the view shows (the command asks right after focusing it, before VS Code reports it visible).
    this.#variables = session && (force || this.#view.visible) ? await session.variables() : undefined;
    this.#view.message = !session || session.state === "not started" || session.state === "dead"
      ? "Run a cell of a chalknb notebook to see its variables."
      : this.#variables?.length === 0 ? "No variables yet." : undefined;
    this.#changed.fire();
    return this.#variables ?? [];
  }

  getChildren(node?: Node): Node[] {
    if (!node) return (this.#variables ?? []).map((variable) => ({ kind: "variable", variable }));
    if (node.kind !== "variable" || !node.variable.schema) return [];
    return node.variable.schema.map((f) => ({ kind: "field" as const, name: f.name, type: f.type }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === "field") {
      const item = new vscode.TreeItem(node.name);
      item.description = node.type;
      item.iconPath = new vscode.ThemeIcon("symbol-field");
      item.accessibilityInformation = { label: `column ${node.name}: ${node.type}` };
      return item;
    }
    const v = node.variable;
    const isTable = v.schema !== undefined;
    // A table opens on its schema when it is short enough to read at a glance.
    const state = !isTable ? vscode.TreeItemCollapsibleState.None
      : v.schema!.length <= 8 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(v.name, state);
    item.id = `variable:${v.name}`;
    item.description = isTable ? `${v.type} · ${v.rows!.toLocaleString("en-US")} rows × ${v.columns} columns` : `${v.type} · ${v.value}`;
    item.tooltip = new vscode.MarkdownString().appendCodeblock(`${v.name}: ${v.type}\n${v.value}`, "text");
    item.iconPath = new vscode.ThemeIcon(isTable ? "table" : v.type === "function" || v.type === "class" ? "symbol-method" : "symbol-variable");
    item.accessibilityInformation = { label: `variable ${v.name}: ${item.description}` };
    return item;
  }

  dispose(): void {
    for (const d of this.#disposables) d.dispose();
  }
}
