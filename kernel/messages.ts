/**
 * Messages between a {@link KernelClient} and the kernel process, over the Node IPC channel (JSON serialisation).
 *
 * Shaped like Jupyter's messaging protocol (https://jupyter-client.readthedocs.io/en/stable/messaging.html): the same
 * `msg_type` names and the same `content` fields, flattened into one object per message. Every kernel → client message
 * produced while handling a request carries that request's id in `parent_id`.
 *
 * MIME bundles (`data`) follow Jupyter too: text MIME types carry strings, JSON MIME types (`application/json`,
 * `*+json`) carry plain JSON values, binary MIME types (e.g. `application/vnd.apache.arrow.file`) carry base64 strings.
 */

import type { CompletionItemInfo } from "./completer.js";
import type { VariableInfo } from "./variables.js";

export type { CompletionItemInfo, VariableInfo };

/** Bumped when a message changes shape; the kernel announces it in `kernel_ready`. */
export const KERNEL_PROTOCOL_VERSION = 1;

export type MimeBundle = Record<string, unknown>;

// ---- client → kernel -------------------------------------------------------------------------------------------

export interface ExecuteRequest {
  msg_type: "execute_request";
  msg_id: string;
  content: {
    code: string;
    /** Free-form id of the notebook cell; used only to label diagnostics. */
    cell_id?: string;
  };
}

export interface CompleteRequest {
  msg_type: "complete_request";
  msg_id: string;
  content: { code: string; cursor_pos: number };
}

/** Hover: what the name at the cursor holds in the live kernel (Jupyter's inspect_request). */
export interface InspectRequest {
  msg_type: "inspect_request";
  msg_id: string;
  content: { code: string; cursor_pos: number; detail_level: 0 | 1 };
}

/** Asks which function queues the kernel's Remotes use (so a dashboard can watch the embedded one). */
export interface QueueInfoRequest {
  msg_type: "queue_info_request";
  msg_id: string;
}

/** Asks for the variables the cells declared (name, type, short value; Arrow tables with their schema). */
export interface VariablesRequest {
  msg_type: "variables_request";
  msg_id: string;
}

/** Interrupts the running cell (and aborts queued ones). On POSIX the client also sends SIGINT to break busy loops. */
export interface InterruptRequest {
  msg_type: "interrupt_request";
  msg_id: string;
  /** The execute requests to stop (running) or abort (queued); all of them when omitted. */
  content: { msg_ids?: string[] };
}

/**
 * Asks about a table the kernel holds (a lazy table's handle, from its output's metadata): a row window, a sorted or
 * filtered view, an inspector computation. Answered by `table_reply`, also while a cell runs.
 */
export interface TableRequest {
  msg_type: "table_request";
  msg_id: string;
  content: { handle: string; op: string; args?: unknown };
}

/** Chooses what displayed tables carry: a preview and a handle (default), or the whole table (notebooks that save full outputs). */
export interface ConfigureRequest {
  msg_type: "configure_request";
  msg_id: string;
  content: { full_tables?: boolean };
}

export interface ShutdownRequest {
  msg_type: "shutdown_request";
  msg_id: string;
}

export type KernelRequest =
  | ExecuteRequest
  | CompleteRequest
  | InspectRequest
  | InterruptRequest
  | ShutdownRequest
  | QueueInfoRequest
  | VariablesRequest
  | TableRequest
  | ConfigureRequest;

// ---- kernel → client -------------------------------------------------------------------------------------------

export type ExecutionState = "busy" | "idle";

/** First message of a kernel process, once it accepts requests. */
export interface KernelReady {
  msg_type: "kernel_ready";
  content: { protocol_version: number; pid: number; cwd: string };
}

export interface StatusMessage {
  msg_type: "status";
  parent_id: string;
  content: { execution_state: ExecutionState };
}

export interface StreamMessage {
  msg_type: "stream";
  parent_id: string;
  content: { name: "stdout" | "stderr"; text: string };
}

export interface DisplayDataMessage {
  msg_type: "display_data" | "update_display_data";
  parent_id: string;
  content: { data: MimeBundle; metadata: Record<string, unknown>; transient?: { display_id?: string } };
}

export interface ExecuteResultMessage {
  msg_type: "execute_result";
  parent_id: string;
  content: { execution_count: number; data: MimeBundle; metadata: Record<string, unknown> };
}

export interface ErrorContent {
  /** Error class name, e.g. `TypeError`, `SyntaxError`, `InterruptError`. */
  ename: string;
  evalue: string;
  /** First line `ename: evalue`, then one line per stack frame in a cell, positions mapped to the cell's source. */
  traceback: string[];
  /** Stable error code when the thrown error had one (e.g. `CHALKNB_CANCELLED`). */
  code?: string;
}

export interface ErrorMessage {
  msg_type: "error";
  parent_id: string;
  content: ErrorContent;
}

export interface ExecuteReply {
  msg_type: "execute_reply";
  parent_id: string;
  content: { status: "ok" | "error" | "aborted"; execution_count: number };
}

export interface CompleteReply {
  msg_type: "complete_reply";
  parent_id: string;
  content: {
    matches: string[];
    cursor_start: number;
    cursor_end: number;
    status: "ok";
    /** As IPython sends it: one entry per match with its kind and signature. */
    metadata?: { _jupyter_types_experimental?: CompletionItemInfo[] };
  };
}

export interface InspectReply {
  msg_type: "inspect_reply";
  parent_id: string;
  /** `data["text/plain"]`: `name: type` and the short value on a second line. */
  content: { status: "ok"; found: boolean; data: MimeBundle; metadata: Record<string, unknown> };
}

export interface QueueInfoReply {
  msg_type: "queue_info_reply";
  parent_id: string;
  /** ws:// URLs, oldest first; empty until a cell has used a Remote. `queues` adds each one's token, if any. */
  content: { urls: string[]; queues: Array<{ url: string; token?: string }> };
}

export interface VariablesReply {
  msg_type: "variables_reply";
  parent_id: string;
  content: { variables: VariableInfo[] };
}

/** The answer to a `table_request`: `ipc` is base64 of the op's bytes (an Arrow IPC stream for "window"). */
export interface TableReply {
  msg_type: "table_reply";
  parent_id: string;
  content: { ok: true; result: unknown; ipc?: string } | { ok: false; code: string; message: string };
}

export interface ConfigureReply {
  msg_type: "configure_reply";
  parent_id: string;
  content: { status: "ok" };
}

/** Acknowledges an interrupt_request: the kernel was not stuck in synchronous code. */
export interface InterruptReply {
  msg_type: "interrupt_reply";
  parent_id: string;
  content: { status: "ok" };
}

/** One type-check finding for a cell, positions 1-based in the cell's own source. */
export interface CellDiagnostic {
  line: number;
  column: number;
  code: number;
  category: "error" | "warning";
  message: string;
}

/** Sent after `execute_reply`, off the hot path, when type checking is on. */
export interface DiagnosticsMessage {
  msg_type: "diagnostics";
  parent_id: string;
  content: { execution_count: number; cell_id?: string; diagnostics: CellDiagnostic[] };
}

/** Stream output written while no cell was running (e.g. a background timer's console.log). */
export interface IdleStreamMessage {
  msg_type: "idle_stream";
  content: { name: "stdout" | "stderr"; text: string };
}

export type KernelMessage =
  | KernelReady
  | StatusMessage
  | StreamMessage
  | DisplayDataMessage
  | ExecuteResultMessage
  | ErrorMessage
  | ExecuteReply
  | CompleteReply
  | InspectReply
  | QueueInfoReply
  | VariablesReply
  | TableReply
  | ConfigureReply
  | InterruptReply
  | DiagnosticsMessage
  | IdleStreamMessage;

/** The messages that form a cell's outputs, in the order they arrive. */
export type KernelOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: MimeBundle; metadata: Record<string, unknown>; display_id?: string }
  | { output_type: "update_display_data"; data: MimeBundle; metadata: Record<string, unknown>; display_id: string }
  | { output_type: "execute_result"; execution_count: number; data: MimeBundle; metadata: Record<string, unknown> }
  | ({ output_type: "error" } & ErrorContent);

/** True for MIME types whose bundle value is JSON (an object), not a string. */
export function isJsonMime(mime: string): boolean {
  return mime === "application/json" || mime.endsWith("+json");
}

/** True for MIME types whose bundle value is base64 of bytes. Text and JSON types are not binary. */
export function isBinaryMime(mime: string): boolean {
  if (mime.startsWith("text/") || isJsonMime(mime)) return false;
  if (mime.startsWith("application/vnd.code.notebook.")) return false;
  if (mime === "image/svg+xml" || mime === "application/javascript" || mime === "application/xml") return false;
  return true;
}
