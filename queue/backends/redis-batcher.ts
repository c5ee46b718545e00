import { PRIORITY_WINDOW_BATCHES, PriorityTurns, orderByPriority } from "../policy/priority.js";
import type { FunctionSpec } from "../../protocol/messages.js";
import type { Clock } from "../clock.js";
import { blockingReads, type BlockingReads, type RedisClient } from "./redis-connection.js";
import { parseEntries, takePieces, type Piece, type RawEntry } from "./redis-entries.js";
import { ROWS_GROUP } from "./redis-keys.js";
import { batchReady } from "../policy/batch-ready.js";
import { SORT_WINDOW_BATCHES } from "../policy/cost-buckets.js";

export interface BatcherHost {
  readonly gatewayId: string;
  readonly clock: Clock;
  spec(fn: string): FunctionSpec | undefined;
  hasFreeWorker(fn: string): boolean;
  /** Turns entries just read into pieces (rows of finished chunks or dead owners are resolved, not returned). */
  adopt(fn: string, entries: RawEntry[], deliveries: number): Piece[];
  /** Sends one batch to a worker with credit; false when none may take it now (the caller keeps the pieces and waits). */
  dispatch(fn: string, pieces: Piece[], reason: "full" | "deadline", waitMs: number): boolean;
  ensureGroup(fn: string): Promise<void>;
  log(line: string): void;
}

/** Longest a read blocks with nothing held, so the loop notices a closed gateway or a lost worker. */
const IDLE_BLOCK_MS = 1000;

/**
 * Forms the batches of one function on one gateway, while a worker here has credit: reads the rows stream with
 * XREADGROUP (this gateway is one consumer of the group), and keeps reading until `maxBatchingSize` rows are held or
 * the oldest held row has waited `maxBufferDuration` — a blocking read returns as soon as one entry exists, so one
 * read is not a batch. Rows read past a batch boundary stay in the carry for the next batch.
 */
export class Batcher {
  readonly #turns = new PriorityTurns();
  readonly fn: string;
  readonly #host: BatcherHost;
  readonly #reader: RedisClient;
  readonly #blocking: BlockingReads;
  readonly #streamKey: string;
  #carry: Piece[] = [];
  #carryRows = 0;
  #avgEntryRows: number | undefined;
  /** The last read got fewer entries than it asked for: the stream held no more unread rows then. */
  #drained = false;
  #closed = false;
  #blocked = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(fn: string, streamKey: string, reader: RedisClient, command: RedisClient, host: BatcherHost) {
    this.fn = fn;
    this.#host = host;
    this.#reader = reader;
    this.#streamKey = streamKey;
    // CLIENT UNBLOCK needs the blocked connection's id (and, on a Cluster, the master it blocks on).
    this.#blocking = blockingReads(reader, command, streamKey);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  get carryRows(): number {
    return this.#carryRows;
  }

  /** Pieces waiting here (the heartbeat keeps their entries claimed). */
  carried(): readonly Piece[] {
    return this.#carry;
  }

  /** Credit or workers changed: look again. */
  poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Pieces come back (retry, lost worker, reclaim): at the front they go first. */
  requeue(pieces: Piece[], atFront: boolean): void {
    if (pieces.length === 0) return;
    if (atFront) this.#carry.unshift(...pieces);
    else this.#carry.push(...pieces);
    for (const piece of pieces) this.#carryRows += piece.rowCount;
    this.poke();
    // A read blocked waiting for rows would not see these until it times out: interrupt it.
    if (this.#blocked) this.#blocking.unblock();
  }

  /** Removes the carried pieces `drop` selects and returns them. */
  remove(drop: (piece: Piece) => boolean): Piece[] {
    const removed: Piece[] = [];
    this.#carry = this.#carry.filter((piece) => {
      if (!drop(piece)) return true;
      removed.push(piece);
      this.#carryRows -= piece.rowCount;
      return false;
    });
    return removed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.poke();
    this.#reader.disconnect();
    await this.#loop?.catch(() => {});
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const spec = this.#host.spec(this.fn);
      if (!spec || !this.#host.hasFreeWorker(this.fn)) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        // Rows may have come while it waited: a window (sortByCost, priority) is read again before the next batch.
        this.#drained = false;
        continue;
      }
      const { maxBatchingSize, maxBufferDuration } = spec;
      const now = this.#host.clock.now();
      let oldest = Infinity;
      for (const piece of this.#carry) oldest = Math.min(oldest, piece.enqueuedAt);
      const { full, due } = batchReady(spec, this.#carry, this.#carryRows, oldest, now);
      // Length bucketing chooses among a window of rows (policy/cost-buckets.ts), and so does priority while batch rows
      // are held (policy/priority.ts: interactive rows may wait behind them in the stream): read that many while the
      // stream has them.
      const holdsBatchRows = this.#carry.some((piece) => piece.entry.meta.p === 1);
      const windowRows = Math.max(
        spec.sortByCost ? maxBatchingSize * SORT_WINDOW_BATCHES : maxBatchingSize,
        holdsBatchRows ? maxBatchingSize * PRIORITY_WINDOW_BATCHES : maxBatchingSize,
      );
      const readMore = windowRows > maxBatchingSize && !this.#drained && this.#carryRows < windowRows;
      // The buffer is the carry plus the unread stream: a deadline batch goes only once the stream is drained, so a
      // backlog still forms full batches (as the memory backend, which sees its whole buffer, does).
      if ((full && !readMore) || (due && this.#drained)) {
        // Priority orders the rows this gateway has read (policy/priority.ts): up to the window above.
        orderByPriority(this.#carry, (piece) => (piece.entry.meta.p === 1 ? "batch" : "interactive"), this.#turns);
        const pieces = takePieces(this.#carry, spec);
        for (const piece of pieces) this.#carryRows -= piece.rowCount;
        if (!this.#host.dispatch(this.fn, pieces, full ? "full" : "deadline", now - oldest)) {
          // No worker may take it now (an exclusive batch waits for an idle worker): wait for credit to change.
          this.requeue(pieces, true);
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        continue;
      }
      // On a Cluster, the reader's id on the key's master is learned before the first read there: then look again.
      const preparing = this.#blocking.prepare();
      if (preparing) {
        await preparing;
        continue;
      }
      const block = due || full ? 0 : this.#carryRows === 0 ? IDLE_BLOCK_MS : Math.min(IDLE_BLOCK_MS, Math.max(1, Math.ceil(oldest + maxBufferDuration - now)));
      const wanted = windowRows - this.#carryRows;
      const count = Math.max(1, Math.ceil(wanted / (this.#avgEntryRows ?? maxBatchingSize)));
      let reply: unknown;
      this.#blocked = true;
      try {
        // block 0 means "do not block" here (XREADGROUP's BLOCK 0 would wait forever).
        reply = await this.#reader.callBuffer("XREADGROUP", [
          "GROUP", ROWS_GROUP, this.#host.gatewayId, "COUNT", count, ...(block > 0 ? ["BLOCK", block] : []), "STREAMS", this.#streamKey, ">",
        ]);
      } catch (error) {
        if (this.#closed) return;
        const message = (error as Error).message;
        if (/NOGROUP/.test(message)) await this.#host.ensureGroup(this.fn).catch(() => {});
        else this.#host.log(`reading "${this.fn}" rows: ${message}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      } finally {
        this.#blocked = false;
      }
      const raws = Array.isArray(reply) && reply.length > 0 ? parseEntries((reply[0] as [Buffer, unknown])[1]) : [];
      this.#drained = raws.length < count;
      for (const raw of raws) {
        this.#avgEntryRows = this.#avgEntryRows === undefined ? raw.meta.n : 0.8 * this.#avgEntryRows + 0.2 * raw.meta.n;
      }
      const pieces = this.#host.adopt(this.fn, raws, 1);
      this.#carry.push(...pieces);
      for (const piece of pieces) this.#carryRows += piece.rowCount;
    }
  }
}
