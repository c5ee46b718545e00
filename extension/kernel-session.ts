/**
 * One kernel process per notebook, through the kernel's `KernelClient` (the only way the extension talks to it).
 * Started on first run in the notebook's folder (as Jupyter does, so `functions/` and relative paths resolve there),
 * with the queue URL and token from settings / SecretStorage in its environment.
 */
import * as vscode from "vscode";
import { dirname } from "node:path";
import { KernelClient } from "../kernel/client.js";
import type { KernelOutput } from "../kernel/messages.js";
import { readSettings, readToken } from "./settings.js";

export type KernelState = "not started" | "starting" | "idle" | "busy" | "restarting" | "dead";

export interface ExecuteOutcome {
  status: "ok" | "error" | "aborted";
  executionCount: number;
}

export interface KernelSessionEvents {
  onDidChangeState(listener: (state: KernelState) => void): vscode.Disposable;
}

export class KernelSession implements vscode.Disposable {
  readonly notebook: vscode.NotebookDocument;
  #client: KernelClient | null = null;
  #starting: Promise<KernelClient> | null = null;
  #state: KernelState = "not started";
  readonly #changed = new vscode.EventEmitter<KernelState>();
  readonly onDidChangeState = this.#changed.event;
  readonly #secrets: vscode.SecretStorage;
  readonly #log: vscode.LogOutputChannel;

  constructor(notebook: vscode.NotebookDocument, secrets: vscode.SecretStorage, log: vscode.LogOutputChannel) {
    this.notebook = notebook;
    this.#secrets = secrets;
    this.#log = log;
  }

  get state(): KernelState {
    return this.#state;
  }

  async execute(code: string, cellId: string, onOutput: (o: KernelOutput) => void): Promise<ExecuteOutcome> {
    const client = await this.#ensure();
    this.#set("busy");
    try {
      const reply = await client.execute(code, { onOutput, cellId });
      return { status: reply.status, executionCount: reply.executionCount };
    } finally {
      if (this.#state === "busy") this.#set("idle");
    }
  }

  async interrupt(): Promise<void> {
    await this.#client?.interrupt();
  }

  async restart(): Promise<void> {
    if (!this.#client) return;
    this.#set("restarting");
    try {
      await this.#client.restart();
      this.#set("idle");
    } catch (e) {
      this.#set("dead");
      throw e;
    }
  }

  async shutdown(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#starting = null;
    this.#set("not started");
    await client?.shutdown().catch((e: unknown) => this.#log.warn(`kernel shutdown: ${String(e)}`));
  }

  dispose(): void {
    void this.shutdown();
    this.#changed.dispose();
  }

  #set(state: KernelState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#changed.fire(state);
  }

  async #ensure(): Promise<KernelClient> {
    if (this.#client) return this.#client;
    this.#starting ??= this.#start();
    try {
      return await this.#starting;
    } catch (e) {
      this.#starting = null;
      this.#set("dead");
      throw e;
    }
  }

  async #start(): Promise<KernelClient> {
    this.#set("starting");
    const uri = this.notebook.uri;
    const folder = uri.scheme === "file"
      ? dirname(uri.fsPath)
      : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const settings = readSettings(uri);
    const token = await readToken(this.#secrets);
    const env: Record<string, string> = {};
    if (settings.queueUrl) env.CHALKNB_QUEUE_URL = settings.queueUrl;
    if (token) env.CHALKNB_TOKEN = token;
    env.CHALKNB_FUNCTIONS_DIR = settings.functionsFolder;
    this.#log.info(`starting kernel in ${folder} (queue: ${settings.queueUrl || "embedded default"})`);
    const client = await KernelClient.start({ cwd: folder, env });
    client.onExit?.((info) => {
      if (this.#client !== client) return;
      this.#log.warn(`kernel process exited: ${JSON.stringify(info)}`);
      this.#client = null;
      this.#starting = null;
      this.#set("dead");
    });
    this.#client = client;
    this.#set("idle");
    return client;
  }
}

/** Sessions by notebook URI; a notebook's kernel is shut down when the notebook closes. */
export class KernelManager implements vscode.Disposable {
  readonly #sessions = new Map<string, KernelSession>();
  readonly #changed = new vscode.EventEmitter<KernelSession>();
  readonly onDidChangeSession = this.#changed.event;
  readonly #disposables: vscode.Disposable[] = [];

  constructor(private readonly secrets: vscode.SecretStorage, private readonly log: vscode.LogOutputChannel) {
    this.#disposables.push(vscode.workspace.onDidCloseNotebookDocument((nb) => {
      const key = nb.uri.toString();
      const s = this.#sessions.get(key);
      if (!s) return;
      this.#sessions.delete(key);
      s.dispose();
    }));
  }

  get(notebook: vscode.NotebookDocument): KernelSession {
    const key = notebook.uri.toString();
    let s = this.#sessions.get(key);
    if (!s) {
      s = new KernelSession(notebook, this.secrets, this.log);
      const session = s;
      this.#disposables.push(s.onDidChangeState(() => this.#changed.fire(session)));
      this.#sessions.set(key, s);
    }
    return s;
  }

  find(notebook: vscode.NotebookDocument | undefined): KernelSession | undefined {
    return notebook ? this.#sessions.get(notebook.uri.toString()) : undefined;
  }

  async shutdownAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.shutdown()));
  }

  dispose(): void {
    for (const s of this.#sessions.values()) s.dispose();
    this.#sessions.clear();
    for (const d of this.#disposables) d.dispose();
    this.#changed.dispose();
  }
}
