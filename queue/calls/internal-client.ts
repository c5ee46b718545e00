import { randomUUID } from "node:crypto";
import { decodeFrame, splitBody, type OutgoingFrame } from "../../protocol/frame-codec.js";
import type { Message } from "../../protocol/messages.js";
import type { ChunkEntry, ClientPeer } from "../entities.js";

/** A frame the backend sent to an in-process client: its header and its body parts. */
export interface InternalFrame {
  header: Message;
  body: Uint8Array;
}

/**
 * A client that lives in the queue process: the call runner submits a spawned call's chunks through it, so they
 * take the backend's ordinary path (validation, caps, batching, retries, bisection, timeouts) and its answers come
 * back as the frames a socket client would get.
 */
export function internalClient(onFrame: (frame: InternalFrame) => void): ClientPeer {
  return {
    id: `calls-${randomUUID()}`,
    chunks: new Map<string, ChunkEntry>(),
    send(frame: OutgoingFrame) {
      onFrame(readOutgoing(frame));
    },
  };
}

/** Reads an encoded frame back: one buffer, or [length + header, ...body parts] (detached or not). */
export function readOutgoing(frame: OutgoingFrame): InternalFrame {
  if (frame instanceof Uint8Array) {
    const decoded = decodeFrame(frame);
    return { header: decoded.header, body: decoded.body };
  }
  const { header } = decodeFrame(frame[0]);
  const parts = frame.slice(1);
  const body = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  return { header, body };
}

/** Splits a result body by the byte lengths its header names. */
export function resultParts(body: Uint8Array, lengths: readonly number[]): Uint8Array[] {
  return splitBody(body, lengths);
}
