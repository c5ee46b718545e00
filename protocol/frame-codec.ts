import { ChalknbError, ErrorCode } from "./errors.js";
import type { Message } from "./messages.js";

/**
 * One WebSocket binary frame = 4-byte little-endian header length, a UTF-8 JSON header, then an optional body
 * (Arrow IPC bytes). Keeping the header as JSON keeps the protocol debuggable; the body stays zero-copy.
 */
export interface Frame<M extends Message = Message> {
  header: M;
  /** The inline body (empty when the body came detached). */
  body: Uint8Array;
  /** The body's parts when it came detached, one message each. */
  parts?: Uint8Array[];
}

const HEADER_LENGTH_BYTES = 4;
/** A header larger than this is certainly not ours; refuse it before parsing. @default 1 MiB */
export const MAX_HEADER_BYTES = 1 << 20;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Bodies this large travel detached: the header message, then one message per part (see encodeFrameParts). */
export const DETACH_THRESHOLD_BYTES = 1 << 20;
/** Most parts a detached body may announce. */
export const MAX_BODY_PARTS = 4096;

/** An outgoing frame: one buffer, or [prefix, ...parts] to send in one message, or a detached frame. */
export type OutgoingFrame = Uint8Array | readonly Uint8Array[];

/**
 * The frame as [length + header, ...body parts]. A body of DETACH_THRESHOLD_BYTES or more is *detached*: the header
 * says `bodyParts: n` and each part then travels as a WebSocket message of its own, so neither side ever copies
 * 8 MB of embeddings into one buffer (ws joins the fragments of a single message with a copy).
 */
export function encodeFrameParts(header: Message, body?: Uint8Array | readonly Uint8Array[]): Uint8Array[] {
  const parts = (body === undefined ? [] : body instanceof Uint8Array ? [body] : body).filter((p) => p.byteLength > 0);
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const detached = total >= DETACH_THRESHOLD_BYTES;
  const headerBytes = encodeHeader(detached ? ({ ...header, bodyParts: parts.length } as unknown as Message) : header);
  const prefix = Buffer.allocUnsafe(HEADER_LENGTH_BYTES + headerBytes.byteLength);
  prefix.writeUInt32LE(headerBytes.byteLength, 0);
  prefix.set(headerBytes, HEADER_LENGTH_BYTES);
  const frame = [prefix, ...parts];
  return detached ? Object.assign(frame, { detached: true }) : frame;
}

/** What sendFrame needs of a socket (ws's WebSocket has it). */
export interface FragmentingSocket {
  send(data: Uint8Array, options: { binary: true; fin: boolean }): void;
}

/** Below this size one copy costs less than a write per fragment. */
const FRAGMENT_THRESHOLD_BYTES = 64 * 1024;

/**
 * Sends a frame: small frames in one piece, larger ones fragment by fragment (the receiver sees one message either
 * way), detached frames as consecutive messages. Call it synchronously for a whole frame so nothing interleaves.
 */
export function sendFrame(socket: FragmentingSocket, frame: OutgoingFrame): void {
  if (frame instanceof Uint8Array) return socket.send(frame, { binary: true, fin: true });
  if ((frame as { detached?: boolean }).detached) {
    for (const part of frame) socket.send(part, { binary: true, fin: true });
    return;
  }
  let total = 0;
  for (const part of frame) total += part.byteLength;
  if (total < FRAGMENT_THRESHOLD_BYTES || frame.length === 1) {
    return socket.send(frame.length === 1 ? frame[0] : Buffer.concat(frame), { binary: true, fin: true });
  }
  frame.forEach((part, i) => socket.send(part, { binary: true, fin: i === frame.length - 1 }));
}

/** A frame over a size limit (the queue closes such a connection with 1009, "message too big"). */
export class FrameLimitError extends ChalknbError {
  constructor(message: string) {
    super(ErrorCode.MalformedFrame, message);
  }
}

export interface FrameReaderOptions {
  /** Largest frame, counting a detached body's parts together. @default Infinity */
  maxFrameBytes?: number;
  /**
   * Refuse detached bodies (`bodyParts`) until `acceptDetachedBodies()`: the queue buffers nothing for a peer that
   * has not said hello (issue 9: four sockets announcing 4096 parts of 32 MiB took RSS to 1.5 GB). @default false
   */
  refuseDetachedBodies?: boolean;
}

/**
 * Reassembles frames from a socket's messages: a frame with `bodyParts: n` in its header is complete after the n
 * messages that follow it. One reader per socket.
 */
export class FrameReader {
  #pending: { header: Message; parts: Uint8Array[]; expected: number; bytes: number } | undefined;
  readonly #maxFrameBytes: number;
  #refuseDetached: boolean;

  constructor(options: FrameReaderOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? Infinity;
    this.#refuseDetached = options.refuseDetachedBodies ?? false;
  }

  /** From now on detached bodies are read (the peer has logged in). */
  acceptDetachedBodies(): void {
    this.#refuseDetached = false;
  }

  /** Feeds one message; returns a complete frame, or undefined while a detached body is still arriving. */
  read(data: Uint8Array): Frame | undefined {
    const pending = this.#pending;
    if (pending) {
      pending.bytes += data.byteLength;
      if (pending.bytes > this.#maxFrameBytes) {
        this.#pending = undefined;
        throw new FrameLimitError(`frame too big: a detached body of more than ${this.#maxFrameBytes} bytes (maxFrameBytes); send smaller chunks`);
      }
      pending.parts.push(data);
      if (pending.parts.length < pending.expected) return undefined;
      this.#pending = undefined;
      return { header: pending.header, body: EMPTY, parts: pending.parts };
    }
    if (data.byteLength > this.#maxFrameBytes) {
      throw new FrameLimitError(`frame too big: ${data.byteLength} bytes, more than ${this.#maxFrameBytes} (maxFrameBytes); send smaller chunks`);
    }
    const frame = decodeFrame(data);
    const expected = (frame.header as { bodyParts?: unknown }).bodyParts;
    if (expected === undefined) return frame;
    if (this.#refuseDetached) throw new FrameLimitError("a detached body (bodyParts) before hello: nothing is buffered until the hello is accepted");
    if (!Number.isInteger(expected) || (expected as number) < 1 || (expected as number) > MAX_BODY_PARTS || frame.body.byteLength > 0) {
      throw malformed(`bodyParts must be an integer from 1 to ${MAX_BODY_PARTS} on a header without an inline body, got ${JSON.stringify(expected)}`);
    }
    this.#pending = { header: frame.header, parts: [], expected: expected as number, bytes: data.byteLength };
    return undefined;
  }
}

/** A frame's body as parts of the given byte lengths, whether it came inline or detached. */
export function bodyParts(frame: Frame, byteLengths: readonly number[]): Uint8Array[] {
  if (!frame.parts) return splitBody(frame.body, byteLengths);
  if (frame.parts.length !== byteLengths.length || frame.parts.some((p, i) => p.byteLength !== byteLengths[i])) {
    throw malformed(`detached body parts of ${frame.parts.map((p) => p.byteLength).join("+")} bytes do not match the declared ${byteLengths.join("+")}`);
  }
  return frame.parts;
}

/** A frame's whole body as one buffer (a detached body of one part is returned as is). */
export function wholeBody(frame: Frame): Uint8Array {
  if (!frame.parts) return frame.body;
  return frame.parts.length === 1 ? frame.parts[0] : Buffer.concat(frame.parts);
}

export function encodeFrame(header: Message, body?: Uint8Array | readonly Uint8Array[]): Buffer {
  const headerBytes = encodeHeader(header);
  const parts = body === undefined ? [] : body instanceof Uint8Array ? [body] : body;
  let bodyLength = 0;
  for (const part of parts) bodyLength += part.byteLength;
  const frame = Buffer.allocUnsafe(HEADER_LENGTH_BYTES + headerBytes.byteLength + bodyLength);
  frame.writeUInt32LE(headerBytes.byteLength, 0);
  frame.set(headerBytes, HEADER_LENGTH_BYTES);
  let offset = HEADER_LENGTH_BYTES + headerBytes.byteLength;
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.byteLength;
  }
  return frame;
}

/**
 * The JSON header, padded with spaces so the body starts 8-byte aligned: apache-arrow copies any IPC body that is
 * not (a full extra pass over 8 MB of embeddings), and JSON ignores trailing whitespace.
 */
function encodeHeader(header: Message): Uint8Array {
  const json = JSON.stringify(header);
  const padding = (8 - ((HEADER_LENGTH_BYTES + Buffer.byteLength(json)) % 8)) % 8;
  return encoder.encode(padding ? json + " ".repeat(padding) : json);
}

export function decodeFrame(data: Uint8Array): Frame {
  if (data.byteLength < HEADER_LENGTH_BYTES) {
    throw malformed(`expected at least ${HEADER_LENGTH_BYTES} bytes (the header length), got ${data.byteLength}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = view.getUint32(0, true);
  if (headerLength > MAX_HEADER_BYTES || HEADER_LENGTH_BYTES + headerLength > data.byteLength) {
    throw malformed(`header length ${headerLength} does not fit in a frame of ${data.byteLength} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(data.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength)));
  } catch (error) {
    throw malformed(`header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== "object" || header === null || typeof (header as { type?: unknown }).type !== "string") {
    throw malformed(`header must be a JSON object with a string "type", got ${JSON.stringify(header)?.slice(0, 80)}`);
  }
  const bodyStart = HEADER_LENGTH_BYTES + headerLength;
  const body = bodyStart === data.byteLength ? EMPTY : data.subarray(bodyStart);
  return { header: header as Message, body };
}

/** Splits a body made of consecutive parts (e.g. one Arrow IPC stream per segment) by their byte lengths. */
export function splitBody(body: Uint8Array, byteLengths: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const length of byteLengths) {
    if (!Number.isInteger(length) || length < 0 || offset + length > body.byteLength) {
      throw malformed(`body parts [${byteLengths.join(", ")}] do not fit in a body of ${body.byteLength} bytes`);
    }
    parts.push(body.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== body.byteLength) {
    throw malformed(`body parts add up to ${offset} bytes but the body has ${body.byteLength}`);
  }
  return parts;
}

function malformed(detail: string): ChalknbError {
  return new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: ${detail}`);
}
