/**
 * Messages between the notebook renderer (webview) and the kernel, relayed by the extension over VS Code's renderer
 * messaging. The renderer asks for something about a table that stays in the kernel (a row window, a sorted or
 * filtered view, an inspector computation); the kernel answers with JSON and, where the op says so, bytes.
 *
 * A lazy table's output item names its `handle`; a handle from an earlier kernel process (notebook reopened, kernel
 * restarted) is answered with `ok: false, code: "CHALKNB_STALE_HANDLE"`.
 */

export interface KernelRequestMessage {
  type: "chalknb.kernelRequest";
  /** Chosen by the renderer; the reply carries it back. */
  requestId: string;
  /** The output item the request comes from (lets the extension find the notebook and its kernel). */
  outputId: string;
  /** The table's handle, as the output item's metadata gave it. */
  handle: string;
  /** A registered table op: "window", "sort", "filter", "schema", or an inspector op. */
  op: string;
  args?: unknown;
}

export type KernelReplyMessage =
  | {
      type: "chalknb.kernelReply";
      requestId: string;
      ok: true;
      result: unknown;
      /** base64 Arrow IPC stream or raw bytes, op-defined. */
      ipc?: string;
    }
  | { type: "chalknb.kernelReply"; requestId: string; ok: false; code: string; message: string };

/** Error codes a kernel reply may carry. */
export const TABLE_ERROR = {
  /** The handle belongs to a kernel process that is gone, or to a table the kernel no longer holds. */
  staleHandle: "CHALKNB_STALE_HANDLE",
  /** No kernel is running for this notebook. */
  noKernel: "CHALKNB_NO_KERNEL",
  /** The op name is not registered. */
  unknownOp: "CHALKNB_UNKNOWN_OP",
  /** The op's arguments are wrong (the message says how). */
  badArgs: "CHALKNB_INVALID_ARGUMENT",
  /** The op threw. */
  failed: "CHALKNB_TABLE_OP_FAILED",
} as const;

/** The metadata a lazy table's Arrow output item carries (under the Arrow MIME type's metadata). */
export interface LazyTableMetadata {
  /** Rows in the preview the item's bytes hold. */
  numRows: number;
  /** Rows in the whole table the kernel holds. */
  totalRows: number;
  /** True when the bytes hold fewer rows than the table. */
  truncated: boolean;
  /** Present while the kernel holds the whole table: ask for windows with it. */
  handle?: string;
}
