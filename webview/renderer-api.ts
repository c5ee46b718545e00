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

/** Posted to the extension (renderer messaging) once a view has drawn; the e2e tests wait for these. */
export interface RenderedMessage {
  type: "chalknb.rendered";
  view: "table" | "progress" | "inspector" | "error";
  outputId: string;
  rows?: number;
  columns?: string[];
  vectorDim?: number;
  chunks?: number;
  state?: string;
  /** ms from renderOutputItem to the first painted frame (table), or to the finished projection (inspector). */
  ms?: number;
  worker?: boolean;
  /** Time PCA itself took (inspector). */
  pcaMs?: number;
  message?: string;
}
