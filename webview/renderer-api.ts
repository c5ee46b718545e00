/**
 * The slice of VS Code's notebook renderer API (`vscode-notebook-renderer`) this renderer uses, typed here so the
 * webview bundle needs no extra package. Shapes as documented at
 * https://code.visualstudio.com/api/extension-guides/notebook#notebook-renderer
 */
export interface OutputItem {
  readonly id: string;
  readonly mime: string;
  readonly metadata?: unknown;
  data(): Uint8Array;
  text(): string;
  json(): unknown;
}

export interface Disposable {
  dispose(): void;
}

export interface RendererContext {
  readonly postMessage?: (message: unknown) => void;
  readonly onDidReceiveMessage?: (listener: (message: unknown) => void) => Disposable;
  readonly workspace: { readonly isTrusted: boolean };
  setState?(state: unknown): void;
  getState?(): unknown;
}

export interface RendererApi {
  renderOutputItem(item: OutputItem, element: HTMLElement, signal?: AbortSignal): void | Promise<void>;
  disposeOutputItem?(id?: string): void;
}

export type { RenderedMessage } from "./lib/rendered-message.js";
