import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/**
 * The Jupyter wire format (https://jupyter-client.readthedocs.io/en/stable/messaging.html#the-wire-protocol): a
 * multipart ZeroMQ message `[routing ids..., "<IDS|MSG>", signature, header, parent_header, metadata, content,
 * buffers...]`, where the signature is the hex HMAC of the four JSON frames under the connection file's key.
 */

export const PROTOCOL_VERSION = "5.3";
export const DELIMITER = "<IDS|MSG>";

export interface JupyterHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [key: string]: unknown;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  /** ZeroMQ routing ids of the sender (ROUTER sockets); a reply goes back to them. */
  idents: Buffer[];
  header: JupyterHeader;
  /** The request's header, or `{}`. */
  parent_header: Partial<JupyterHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Why an incoming message was dropped (never handled). */
export class WireError extends Error {
  readonly code: "CHALKNB_JUPYTER_BAD_SIGNATURE" | "CHALKNB_JUPYTER_MALFORMED";
  constructor(code: WireError["code"], message: string) {
    super(message);
    this.name = "WireError";
    this.code = code;
  }
}

/** Signs and checks messages with one key. An empty key means no signing (Jupyter's rule: signature ""). */
export class Signer {
  readonly #key: Buffer;
  readonly #algorithm: string;
  constructor(key: string, scheme = "hmac-sha256") {
    if (!scheme.startsWith("hmac-")) throw new Error(`signature_scheme: expected "hmac-<digest>", got "${scheme}"`);
    this.#key = Buffer.from(key, "utf8");
    this.#algorithm = scheme.slice("hmac-".length);
    // Fails here, at start-up, for a digest Node does not know.
    createHmac(this.#algorithm, "check");
  }
  sign(frames: readonly (string | Buffer)[]): string {
    if (this.#key.length === 0) return "";
    const hmac = createHmac(this.#algorithm, this.#key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }
  /** Constant-time comparison, so the signature cannot be guessed byte by byte from timing. */
  verify(signature: Buffer, frames: readonly Buffer[]): boolean {
    if (this.#key.length === 0) return true;
    const expected = Buffer.from(this.sign(frames), "utf8");
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

/** Splits and checks an incoming multipart message. Throws {@link WireError}; never returns an unsigned message. */
export function decodeMessage(frames: readonly Buffer[], signer: Signer): JupyterMessage {
  const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (at < 0) throw new WireError("CHALKNB_JUPYTER_MALFORMED", `no "${DELIMITER}" delimiter among ${frames.length} frames`);
  if (frames.length < at + 6) throw new WireError("CHALKNB_JUPYTER_MALFORMED", `expected 5 frames after the delimiter, got ${frames.length - at - 1}`);
  const [signature, header, parent, metadata, content] = frames.slice(at + 1, at + 6) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (!signer.verify(signature, [header, parent, metadata, content])) {
    throw new WireError("CHALKNB_JUPYTER_BAD_SIGNATURE", "signature does not match the connection key");
  }
  try {
    const message: JupyterMessage = {
      idents: frames.slice(0, at),
      header: JSON.parse(header.toString("utf8")) as JupyterHeader,
      parent_header: JSON.parse(parent.toString("utf8")) as Partial<JupyterHeader>,
      metadata: JSON.parse(metadata.toString("utf8")) as Record<string, unknown>,
      content: JSON.parse(content.toString("utf8")) as Record<string, unknown>,
      buffers: frames.slice(at + 6),
    };
    if (typeof message.header?.msg_type !== "string" || typeof message.header.msg_id !== "string") {
      throw new WireError("CHALKNB_JUPYTER_MALFORMED", "header without msg_type or msg_id");
    }
    return message;
  } catch (error) {
    if (error instanceof WireError) throw error;
    throw new WireError("CHALKNB_JUPYTER_MALFORMED", `a frame is not JSON: ${(error as Error).message}`);
  }
}

/** The frames of an outgoing message (prefix: routing ids, or the iopub topic). */
export function encodeMessage(
  signer: Signer,
  prefix: readonly (Buffer | string)[],
  header: JupyterHeader,
  parent: Partial<JupyterHeader> | Record<string, never>,
  content: unknown,
  metadata: Record<string, unknown> = {},
): (Buffer | string)[] {
  const parts = [JSON.stringify(header), JSON.stringify(parent), JSON.stringify(metadata), JSON.stringify(content)];
  return [...prefix, DELIMITER, signer.sign(parts), ...parts];
}

/** A new header for a message this kernel sends. */
export function newHeader(msgType: string, session: string): JupyterHeader {
  return { msg_id: randomUUID(), session, username: "chalknb", date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}
