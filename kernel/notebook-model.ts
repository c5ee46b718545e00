/** The `.chalknb` file as data: what the format reads and writes, and what the saved-output rule trims. */

export interface NotebookFile {
  format: "chalknb";
  version: 1;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

export interface NotebookCell {
  kind: "code" | "markdown";
  /** `typescript` for code cells, `markdown` for markdown cells. */
  language: string;
  source: string;
  /** Always `[]` for markdown cells. */
  outputs: NotebookOutput[];
  metadata?: Record<string, unknown>;
  execution?: NotebookExecution;
}

export interface NotebookOutput {
  items: NotebookOutputItem[];
  /** `outputType` (`stream`, `display_data`, `execute_result`, `error`) is set by {@link toNotebookOutputs}. */
  metadata?: Record<string, unknown>;
}

export interface NotebookOutputItem {
  mime: string;
  /** string (text, or base64 for binary MIME types), or any JSON value for JSON MIME types. */
  data: unknown;
}

export interface NotebookExecution {
  executionCount: number | null;
  success: boolean | null;
  /** Epoch milliseconds. */
  startedAt?: number;
  endedAt?: number;
}
