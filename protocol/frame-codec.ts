import { ChalknbError, ErrorCode } from "./errors.js";
import type { Message } from "./messages.js";

/**
 * One WebSocket binary frame = 4-byte little-endian header length, a UTF-8 JSON header, then an optional body
 * (Arrow IPC bytes). Keeping the header as JSON keeps the protocol debuggable; the body stays zero-copy.
 */
export interface Frame<M extends Message = Message> {
  header: M;
  body: Uint8Array;
}

const HEADER_LENGTH_BYTES = 4;
/** A header larger than this is certainly not ours; refuse it before parsing. @default 1 MiB */
export const MAX_HEADER_BYTES = 1 << 20;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The frame as [length + header, ...body parts], for sockets that can send a message in fragments: large bodies
 * (8 MB of embeddings) then go out without being copied into one buffer first.
 */
export function encodeFrameParts(header: Message, body?: Uint8Array | readonly Uint8Array[]): Uint8Array[] {
  const headerBytes = encodeHeader(header);
  const prefix = Buffer.allocUnsafe(HEADER_LENGTH_BYTES + headerBytes.byteLength);
  prefix.writeUInt32LE(headerBytes.byteLength, 0);
  prefix.set(headerBytes, HEADER_LENGTH_BYTES);
  const parts = body === undefined ? [] : body instanceof Uint8Array ? [body] : body;
  return [prefix, ...parts.filter((p) => p.byteLength > 0)];
}

/** What sendFrame needs of a socket (ws's WebSocket has it). */
export interface FragmentingSocket {
  send(data: Uint8Array, options: { binary: true; fin: boolean }): void;
}

/** Below this size one copy costs less than a write per fragment. */
const FRAGMENT_THRESHOLD_BYTES = 64 * 1024;

/**
 * Sends a frame as one WebSocket message: small frames in one piece, large ones fragment by fragment so their body
 * is never copied (the receiver sees a single message either way).
 */
export function sendFrame(socket: FragmentingSocket, frame: Uint8Array | readonly Uint8Array[]): void {
  if (frame instanceof Uint8Array) return socket.send(frame, { binary: true, fin: true });
  let total = 0;
  for (const part of frame) total += part.byteLength;
  if (total < FRAGMENT_THRESHOLD_BYTES || frame.length === 1) {
    return socket.send(frame.length === 1 ? frame[0] : Buffer.concat(frame), { binary: true, fin: true });
  }
  frame.forEach((part, i) => socket.send(part, { binary: true, fin: i === frame.length - 1 }));
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
