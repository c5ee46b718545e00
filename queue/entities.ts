import type { Table } from "apache-arrow";
import type { FunctionSpec, RowError, WorkerHardware } from "../protocol/messages.js";
import type { OutgoingFrame } from "../protocol/frame-codec.js";
import type { PriorityTurns } from "./policy/priority.js";

/** The queue's side of one client socket. */
export interface ClientPeer {
  readonly id: string;
  send(frame: OutgoingFrame): void;
  readonly chunks: Map<string, ChunkEntry>;
}

/** The queue's side of one worker socket. */
export interface WorkerPeer {
  readonly id: string;
  readonly name: string;
  readonly functions: ReadonlySet<string>;
  /** GPUs, cores and memory from its hello (policy/placement.ts); absent: an older worker, no GPU. */
  readonly hardware?: WorkerHardware;
  credits: number;
  readonly inFlight: Set<Batch>;
  send(frame: OutgoingFrame): void;
  /**
   * Sends an `error` frame with this code and message and closes the socket: a backend refusing a worker after it
   * joined (a spec conflict found in Redis). Absent: the backend only sends the frame and stops dispatching to it.
   */
  close?(code: string, message: string): void;
}

/** A chunk a client submitted to this gateway: its socket is here, so its results are assembled and sent from here. */
export interface SubmittedChunk {
  readonly key: string;
  readonly callId: string;
  readonly chunk: number;
  readonly functionName: string;
  readonly rows: [number, number];
  readonly rowCount: number;
  readonly client: ClientPeer;
  attempts: number;
  running: boolean;
  finished: boolean;
  timer?: unknown;
}

/** One submitted chunk on the memory backend: rows [rows[0], rows[1]) of one call, waiting for all its rows' results. */
export interface ChunkEntry extends SubmittedChunk {
  readonly submittedAt: number;
  /** Bytes of the submitted body, counted against `maxBufferedBytes` until the chunk finishes (0 for 0 rows). */
  readonly bytes: number;
  /** Batches on workers now holding rows of this chunk. */
  readonly batches: Set<Batch>;
  /** Result IPC streams by the row offset (within the chunk) they start at. */
  readonly results: Map<number, Uint8Array>;
  /** The client's `returnErrors`: failed rows become row errors instead of failing the chunk (policy/bisection.ts). */
  readonly returnErrors: boolean;
  /** Whose rows lead a batch (policy/priority.ts). */
  readonly priority: "interactive" | "batch";
  /** Rows that failed, with `returnErrors`; they count in `rowsDone`. */
  readonly rowErrors: RowError[];
  rowsDone: number;
}

/**
 * A run of consecutive rows as the scheduling policy sees it, whichever storage holds them: what a buffer holds,
 * batches are made of, retries and bisection split (policy/bisection.ts).
 */
export interface QueuedRows {
  /** Row offset within the chunk. */
  readonly offset: number;
  readonly rowCount: number;
  /** The rows as one Arrow IPC stream. */
  readonly bytes: Uint8Array;
  /** Decoded lazily, only when the rows have to be split. */
  table?: Table;
  /** When the oldest of these rows entered the queue, on this gateway's clock. */
  readonly enqueuedAt: number;
  /** Handler failures of these rows so far. */
  failures: number;
  /** Workers lost while holding these rows (or batch deadlines passed). */
  losses: number;
  /** Runs only in batches of its own chunk's rows (see policy/isolation.ts), or of its `group`. */
  isolated?: boolean;
  /** A bisection part's group (policy/bisection.ts). */
  group?: string;
  /** In a bisection after handler failures (policy/bisection.ts). */
  bisecting?: boolean;
  /** In a bisection after lost workers: runs alone on a worker (policy/bisection.ts). */
  exclusive?: boolean;
  /** Each row's cost, when the function batches by cost (policy/cost.ts); set once, when the rows are read. */
  costs?: Float64Array;
}

/** Rows of one chunk held in this process's memory (the memory backend). */
export interface Segment extends QueuedRows {
  readonly chunk: ChunkEntry;
}

export interface Batch {
  readonly id: string;
  readonly functionName: string;
  readonly segments: Segment[];
  readonly rowCount: number;
  readonly attempt: number;
  readonly worker: WorkerPeer;
  readonly dispatchedAt: number;
  /** Fires at the batch deadline (policy/batch-deadline.ts). */
  deadlineTimer?: unknown;
  /** Runs alone on its worker: nothing else is dispatched there until it returns (policy/bisection.ts). */
  readonly exclusive?: boolean;
}

export interface FunctionState {
  spec: FunctionSpec;
  buffer: Segment[];
  bufferedRows: number;
  /** Bytes of the chunks submitted and not yet finished (queued or running), against `maxBufferedBytes`. */
  bufferedBytes: number;
  inFlight: Set<Batch>;
  flushTimer?: unknown;
  flushAt?: number;
  /** Whose turn it is to lead the next batch of a mixed buffer (policy/priority.ts). */
  turns: PriorityTurns;
}

export function chunkKey(callId: string, chunk: number): string {
  return `${callId}#${chunk}`;
}
