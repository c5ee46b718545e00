import type { ErrorMessage } from "../../protocol/messages.js";
import type { CallRecord, ChunkRecord } from "./call-record.js";

/**
 * What happened to a spawned call, told to every gateway (pub/sub on Redis): attached clients forward it, the
 * call's owner acts on `cancel`.
 */
export type CallEvent =
  | { kind: "chunk"; callId: string; chunk: number; state: ChunkRecord["state"]; attempts: number; error?: ErrorMessage }
  | { kind: "call"; callId: string }
  | { kind: "cancel"; callId: string };

/**
 * Where spawned calls live: their record, each chunk's rows until it finished, its state and its result (the
 * `result` frame, Arrow IPC parts included, as clients get it). The policy (queue/calls/call-runner.ts) is written
 * once over this; the memory store and the Redis store only keep bytes.
 */
export interface CallStore {
  /** Creates the record; false when the id is taken. */
  create(record: CallRecord): Promise<boolean>;
  putRecord(record: CallRecord): Promise<void>;
  record(id: string): Promise<CallRecord | undefined>;
  putBody(id: string, chunk: number, body: Uint8Array): Promise<void>;
  body(id: string, chunk: number): Promise<Uint8Array | undefined>;
  /** Sets a chunk's state; with `result`, stores it and drops the chunk's rows. */
  putChunk(id: string, chunk: number, state: ChunkRecord, result?: Uint8Array): Promise<void>;
  chunks(id: string, count: number): Promise<Array<ChunkRecord | undefined>>;
  result(id: string, chunk: number): Promise<Uint8Array | undefined>;
  /** Every call's record, newest first (tombstones of expired calls included). */
  list(): Promise<CallRecord[]>;
  /** Running calls (accepted, not finished): the ones a gateway may have to drive. */
  active(): Promise<string[]>;
  setActive(id: string, active: boolean): Promise<void>;
  /** Drops bodies and results, keeps `record` (a tombstone: an expired call says so instead of "unknown"). */
  dropData(record: CallRecord): Promise<void>;
  /** Forgets the call entirely. */
  forget(id: string): Promise<void>;
  /** Bytes of results held, all calls together (against `resultMaxBytes`). */
  resultBytes(): Promise<number>;
  /**
   * Takes or renews the right to drive a call for `ms` (real time: it is about a process being alive). The memory
   * store has one process: always true.
   */
  lease(id: string, owner: string, ms: number): Promise<boolean>;
  release(id: string, owner: string): Promise<void>;
  publish(event: CallEvent): void;
  onEvent(listener: (event: CallEvent) => void): void;
  close(): Promise<void>;
}
