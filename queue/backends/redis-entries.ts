
import { decodeRows, encodeRows } from "../../protocol/arrow-ipc.js";
import type { FunctionSpec } from "../../protocol/messages.js";
import type { QueuedRows } from "../entities.js";
import { takeBatch } from "../policy/isolation.js";
import { costLimit } from "../policy/cost.js";
import { takeBucket } from "../policy/cost-buckets.js";

/** What a rows-stream entry says about its rows (field `m`, JSON); the rows themselves are field `b` (Arrow IPC). */
export interface EntryMeta {
  /** Gateway holding the client's socket: results go to its result stream. */
  g: string;
  /** Chunk key, unique across gateways (client connection id + call id + chunk index). */
  k: string;
  /** Chunk index within its call, for messages. */
  c: number;
  /** The chunk's input rows [from, to), for messages. */
  r: [number, number];
  /** Row offset within the chunk of the entry's first row. */
  o: number;
  /** Rows in the entry. */
  n: number;
  /** When the chunk times out, in Redis time (ms); null waits forever. Holders drop rows past it. */
  d: number | null;
  /** 1: the client's `returnErrors` (failed rows become row errors, policy/bisection.ts); absent: the chunk fails. */
  e?: 1;
  /** 1: a batch-priority call's rows (policy/priority.ts); absent: interactive. */
  p?: 1;
}

/** A rows-stream entry this gateway holds in its pending list (read, claimed or reclaimed) and has not acked. */
export interface HeldEntry {
  readonly id: string;
  readonly fn: string;
  readonly meta: EntryMeta;
  /** Rows of the entry not yet resolved (result routed, chunk failed, or chunk finished). At 0 it is acked. */
  unresolved: number;
  /** Deliveries so far (the pending list's delivery count). */
  deliveries: number;
  /** Bytes of the entry's body, counted against `maxBufferedBytes` until the entry is deleted. */
  readonly bytes: number;
}

/** Rows of one held entry (a Redis stream entry this gateway read): what the carry holds and batches are made of. */
export interface Piece extends QueuedRows {
  readonly entry: HeldEntry;
  /** When the oldest of these rows entered the queue, on this gateway's clock; set anew when retried rows return. */
  enqueuedAt: number;
}

export interface RawEntry {
  id: string;
  meta: EntryMeta;
  body: Buffer;
}

/** Reads the entries of an XREADGROUP / XAUTOCLAIM / XCLAIM reply (Buffer variant); deleted entries are skipped. */
export function parseEntries(list: unknown): RawEntry[] {
  const entries: RawEntry[] = [];
  if (!Array.isArray(list)) return entries;
  for (const item of list) {
    if (!Array.isArray(item) || !Array.isArray(item[1])) continue;
    const id = String(item[0]);
    const fields = item[1] as Buffer[];
    let meta: EntryMeta | undefined;
    let body: Buffer | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = String(fields[i]);
      if (name === "m") meta = JSON.parse(String(fields[i + 1])) as EntryMeta;
      else if (name === "b") body = fields[i + 1];
    }
    if (meta && body) entries.push({ id, meta, body });
  }
  return entries;
}

/** The millisecond part of a stream id: Redis's clock when the entry was added. */
export function idMillis(id: string): number {
  return Number(id.slice(0, id.indexOf("-")));
}

/** Rows [from, to) of a piece, re-encoded (only when a batch boundary or a bucket cuts an entry). */
export function slicePiece(piece: Piece, from: number, to: number): Piece {
  const table = (piece.table ??= decodeRows(piece.bytes));
  const rows = table.slice(from, to);
  return { ...piece, offset: piece.offset + from, rowCount: to - from, bytes: encodeRows(rows), table: rows, costs: piece.costs?.subarray(from, to) };
}

/** Splits a piece after `rowCount` rows; both halves are re-encoded. */
export function splitPiece(piece: Piece, rowCount: number): [Piece, Piece] {
  return [slicePiece(piece, 0, rowCount), slicePiece(piece, rowCount, piece.rowCount)];
}

/**
 * Takes the next batch from the front of `carry` (mutating it): up to `maxBatchingSize` rows and, for a function
 * that batches by cost, up to `maxBatchingCost` (with `sortByCost`, rows of similar cost), splitting the piece that
 * straddles a limit; isolated pieces go in batches of their own chunk or bisection group (policy/isolation.ts,
 * policy/cost.ts, policy/cost-buckets.ts). The same rule as the memory backend's takeRows (segments.ts).
 */
export function takePieces(carry: Piece[], spec: Pick<FunctionSpec, "maxBatchingSize" | "maxBatchingCost" | "cost" | "sortByCost"> | number): Piece[] {
  if (typeof spec === "number") return takeBatch(carry, spec, (p) => p.entry.meta.k, splitPiece);
  const limits = { maxRows: spec.maxBatchingSize, maxCost: costLimit(spec) };
  if (spec.sortByCost) {
    const bucket = takeBucket(carry, limits, { slice: slicePiece });
    if (bucket) return bucket;
  }
  return takeBatch(carry, limits, (p) => p.entry.meta.k, splitPiece);
}
