import { ChalknbError, ErrorCode } from "../../protocol/errors.js";
import { encodeFrame, type OutgoingFrame } from "../../protocol/frame-codec.js";
import type { CallStatusMessage, ErrorMessage, Message, SpawnMessage } from "../../protocol/messages.js";
import type { Clock } from "../clock.js";
import { chunkList, isFinished, summarize, type CallRecord } from "./call-record.js";
import type { CallRunner } from "./call-runner.js";
import type { CallEvent } from "./call-store.js";
import { validateSpawn, validCallId } from "./call-validation.js";

/** How often an attachment reads its call from the store, in case an event was lost. @default 2000 */
const RESYNC_MS = 2000;

/** One client connection's side of spawned calls. */
export interface CallPeer {
  send(frame: OutgoingFrame): void;
}

interface Upload {
  record: CallRecord;
  received: Set<number>;
  chain: Promise<unknown>;
  failed: boolean;
}

interface Attachment {
  peer: CallPeer;
  callId: string;
  /** Chunks whose result or error this client has been sent. */
  sent: Set<number>;
  /** Events that came while the snapshot was read, replayed after it. */
  buffered: CallEvent[] | undefined;
  /** Frames go out one after another, in the order events came (a result is read from the store first). */
  chain: Promise<void>;
  closed: boolean;
}

/**
 * The WebSocket side of spawned calls: uploads (`spawn` + `spawn-chunk` frames), `attach` (status, every finished
 * chunk, then live updates), `status`, `cancel-call`. Works the same on any gateway: everything it reads is in the
 * call store, and live updates come as store events.
 */
export class CallSessions {
  readonly #runner: CallRunner;
  readonly #clock: Clock;
  readonly #uploads = new Map<CallPeer, Map<string, Upload>>();
  readonly #attachments = new Map<string, Set<Attachment>>();
  readonly #byPeer = new Map<CallPeer, Set<Attachment>>();

  readonly #resync: NodeJS.Timeout;

  constructor(runner: CallRunner, clock: Clock) {
    this.#runner = runner;
    this.#clock = clock;
    runner.store.onEvent((event) => this.#onEvent(event));
    // Events are pub/sub on Redis, which drops a message a subscriber misses (a reconnect, a Cluster node moving): each
    // attachment also reads the store now and then, so a follower never waits on an event that never comes.
    this.#resync = setInterval(() => this.#resyncAll(), RESYNC_MS);
    this.#resync.unref();
  }

  close(): void {
    clearInterval(this.#resync);
  }

  #resyncAll(): void {
    for (const set of this.#attachments.values()) {
      for (const attachment of set) {
        if (attachment.buffered) continue; // still sending its snapshot
        attachment.chain = attachment.chain.then(() => this.#catchUp(attachment)).catch((error: Error) => this.#fail(attachment, error));
      }
    }
  }

  /**
   * Sends every finished chunk the client has not had, then, when the call is over, its final status and ends the
   * attachment. A finished call's status always comes after all of its chunks: events may arrive out of order (on a
   * Redis Cluster the call's last event can overtake its chunks' events), so the final status never trusts them.
   */
  async #catchUp(attachment: Attachment): Promise<void> {
    if (attachment.closed) return;
    const record = await this.#runner.record(attachment.callId);
    const chunks = await this.#runner.store.chunks(attachment.callId, record.ranges.length);
    for (let i = 0; i < chunks.length && !attachment.closed; i++) {
      if (chunks[i]?.state === "done") await this.#sendResult(attachment, i);
      else if (chunks[i]?.state === "failed" && chunks[i]?.error) this.#sendError(attachment, i, chunks[i]!.error!);
    }
    if (attachment.closed || !isFinished(record)) return;
    attachment.peer.send(encodeFrame({ type: "call-status", callId: attachment.callId, for: "update", status: summarize(record, chunks) }));
    this.#drop(attachment);
  }

  #fail(attachment: Attachment, error: Error): void {
    this.#drop(attachment);
    this.#callError(attachment.peer, attachment.callId, (error as ChalknbError).code ?? ErrorCode.InvalidArgument, error.message);
  }

  /** Handles a frame about spawned calls; false for any other frame. */
  handle(peer: CallPeer, header: Message, body: Uint8Array): boolean {
    switch (header.type) {
      case "spawn":
        this.#spawn(peer, validateSpawn(header));
        return true;
      case "spawn-chunk":
        this.#chunk(peer, String(header.callId), header.chunk, body);
        return true;
      case "attach":
        void this.#attach(peer, this.#id(header.callId));
        return true;
      case "detach":
        for (const a of [...(this.#attachments.get(String(header.callId)) ?? [])]) if (a.peer === peer) this.#drop(a);
        return true;
      case "status":
        this.#answer(peer, this.#id(header.callId), "status", () => this.#runner.status(header.callId));
        return true;
      case "cancel-call":
        this.#answer(peer, this.#id(header.callId), "cancel-call", () => this.#runner.cancel(header.callId));
        return true;
      default:
        return false;
    }
  }

  /** The connection closed: uploads not finished are dropped (the call never became durable); attachments end. */
  removePeer(peer: CallPeer): void {
    for (const upload of this.#uploads.get(peer)?.values() ?? []) {
      upload.failed = true;
      void upload.chain.then(() => this.#runner.store.forget(upload.record.id)).catch(() => {});
    }
    this.#uploads.delete(peer);
    for (const a of [...(this.#byPeer.get(peer) ?? [])]) this.#drop(a);
    this.#byPeer.delete(peer);
  }

  #id(id: unknown): string {
    if (!validCallId(id)) throw new ChalknbError(ErrorCode.MalformedFrame, "malformed frame: callId must be a call id as spawn returned it");
    return id;
  }

  // ---- uploads -------------------------------------------------------------------------------------------------

  #spawn(peer: CallPeer, message: SpawnMessage): void {
    const record: CallRecord = {
      id: message.callId, function: message.function, ranges: message.chunks.map(([a, b]) => [a, b]), concurrentChunks: message.concurrentChunks,
      timeoutMs: message.timeoutMs, returnErrors: message.returnErrors === true, priority: message.priority ?? "batch", state: "receiving",
      createdAt: this.#clock.now(),
    };
    let uploads = this.#uploads.get(peer);
    if (!uploads) this.#uploads.set(peer, (uploads = new Map()));
    if (uploads.has(record.id)) return this.#callError(peer, record.id, ErrorCode.InvalidArgument, `call ${record.id} is already being spawned on this connection`);
    const upload: Upload = { record, received: new Set(), chain: Promise.resolve(), failed: false };
    uploads.set(record.id, upload);
    upload.chain = this.#runner.store.create(record).then((created) => {
      if (!created) {
        upload.failed = true;
        uploads.delete(record.id);
        this.#callError(peer, record.id, ErrorCode.InvalidArgument, `call id ${record.id} is already used on this queue: spawn with a fresh id`);
      }
    });
    if (record.ranges.length === 0) this.#complete(peer, upload);
  }

  #chunk(peer: CallPeer, callId: string, chunk: number, body: Uint8Array): void {
    const upload = this.#uploads.get(peer)?.get(callId);
    if (!upload) throw new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: spawn-chunk for call ${callId.slice(0, 100)}, which this connection is not spawning`);
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= upload.record.ranges.length || upload.received.has(chunk)) {
      throw new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: spawn-chunk ${chunk} of call ${callId}: chunk must be a new index below ${upload.record.ranges.length}`);
    }
    upload.received.add(chunk);
    // A copy: the frame's buffer may be a view into a larger socket buffer that must not be kept alive.
    const copy = new Uint8Array(body);
    upload.chain = upload.chain.then(() => (upload.failed ? undefined : this.#runner.store.putBody(callId, chunk, copy)));
    if (upload.received.size === upload.record.ranges.length) this.#complete(peer, upload);
  }

  #complete(peer: CallPeer, upload: Upload): void {
    const id = upload.record.id;
    upload.chain = upload.chain.then(async () => {
      if (upload.failed) return;
      this.#uploads.get(peer)?.delete(id);
      await this.#runner.accept(upload.record);
      peer.send(encodeFrame({ type: "spawned", callId: id }));
    }).catch((error: Error) => {
      this.#uploads.get(peer)?.delete(id);
      this.#callError(peer, id, ErrorCode.QueueFull, `the queue could not store call ${id}: ${error.message}; spawn again`);
    });
  }

  // ---- requests ------------------------------------------------------------------------------------------------

  #answer(peer: CallPeer, callId: string, kind: "status" | "cancel-call", run: () => Promise<CallStatusMessage["status"]>): void {
    run().then(
      (status) => peer.send(encodeFrame({ type: "call-status", callId, for: kind, status })),
      (error: Error) => this.#callError(peer, callId, (error as ChalknbError).code ?? ErrorCode.InvalidArgument, error.message),
    );
  }

  #callError(peer: CallPeer, callId: string, code: string, message: string): void {
    peer.send(encodeFrame({ type: "call-error", callId, code, message }));
  }

  // ---- attachments ---------------------------------------------------------------------------------------------

  async #attach(peer: CallPeer, callId: string): Promise<void> {
    const attachment: Attachment = { peer, callId, sent: new Set(), buffered: [], chain: Promise.resolve(), closed: false };
    // Listening before reading: an event during the read is replayed, never lost (a duplicate is skipped).
    let set = this.#attachments.get(callId);
    if (!set) this.#attachments.set(callId, (set = new Set()));
    set.add(attachment);
    let mine = this.#byPeer.get(peer);
    if (!mine) this.#byPeer.set(peer, (mine = new Set()));
    mine.add(attachment);
    try {
      const record = await this.#runner.record(callId);
      if (record.state === "expired") {
        this.#drop(attachment);
        return this.#callError(peer, callId, record.error?.code ?? ErrorCode.ResultExpired, record.error?.message ?? `call ${callId} expired`);
      }
      const chunks = await this.#runner.store.chunks(callId, record.ranges.length);
      if (attachment.closed) return;
      peer.send(encodeFrame({ type: "call-status", callId, for: "attach", status: summarize(record, chunks), chunkList: chunkList(record, chunks) }));
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i];
        if (chunk?.state === "done") await this.#sendResult(attachment, i);
        else if (chunk?.state === "failed" && chunk.error) this.#sendError(attachment, i, chunk.error);
      }
      const buffered = attachment.buffered ?? [];
      attachment.buffered = undefined;
      for (const event of buffered) this.#forward(attachment, event);
      if (isFinished(record)) this.#drop(attachment); // nothing more will happen to it
    } catch (error) {
      this.#drop(attachment);
      this.#callError(peer, callId, (error as ChalknbError).code ?? ErrorCode.InvalidArgument, (error as Error).message);
    }
  }

  #onEvent(event: CallEvent): void {
    for (const attachment of this.#attachments.get(event.callId) ?? []) {
      if (attachment.buffered) attachment.buffered.push(event);
      else this.#forward(attachment, event);
    }
  }

  #forward(attachment: Attachment, event: CallEvent): void {
    attachment.chain = attachment.chain.then(async () => {
      if (attachment.closed) return;
      if (event.kind === "chunk") {
        if (attachment.sent.has(event.chunk)) return;
        if (event.state === "done") await this.#sendResult(attachment, event.chunk);
        else if (event.state === "failed" && event.error) this.#sendError(attachment, event.chunk, event.error);
        else if (event.state === "running" || event.state === "retried") {
          attachment.peer.send(encodeFrame({ type: "progress", callId: event.callId, chunk: event.chunk, state: event.state, attempts: event.attempts }));
        }
      } else if (event.kind === "call") {
        const status = await this.#runner.status(event.callId);
        if (attachment.closed) return;
        if (status.state === "running" || status.state === "receiving") {
          attachment.peer.send(encodeFrame({ type: "call-status", callId: event.callId, for: "update", status }));
        } else {
          await this.#catchUp(attachment);
        }
      }
    }).catch((error: Error) => this.#fail(attachment, error));
  }

  async #sendResult(attachment: Attachment, chunk: number): Promise<void> {
    if (attachment.sent.has(chunk)) return;
    const frame = await this.#runner.store.result(attachment.callId, chunk);
    if (attachment.closed || attachment.sent.has(chunk)) return;
    if (!frame) {
      const record = await this.#runner.record(attachment.callId);
      throw new ChalknbError((record.error?.code ?? ErrorCode.ResultExpired) as ErrorCode, record.error?.message ?? `the result of chunk ${chunk} of call ${attachment.callId} is gone`);
    }
    attachment.sent.add(chunk);
    attachment.peer.send(frame);
  }

  #sendError(attachment: Attachment, chunk: number, error: ErrorMessage): void {
    if (attachment.sent.has(chunk)) return;
    attachment.sent.add(chunk);
    attachment.peer.send(encodeFrame({ ...error, callId: attachment.callId, chunk }));
  }

  #drop(attachment: Attachment): void {
    attachment.closed = true;
    this.#attachments.get(attachment.callId)?.delete(attachment);
    if (this.#attachments.get(attachment.callId)?.size === 0) this.#attachments.delete(attachment.callId);
    this.#byPeer.get(attachment.peer)?.delete(attachment);
  }
}
