/**
 * What can still be learnt from a reply frame the codec refused (a header over its size limit, bad JSON, body parts
 * that do not add up): which chunk it was for, so that only that chunk fails (issue 9, defect 9: a 1 MiB function
 * name echoed in an error once failed every pending call of the Remote).
 */
export interface SalvagedReply {
  callId: string;
  chunk: number;
  /** The parsed header, when it was valid JSON after all (e.g. only too large for the codec). */
  header?: Record<string, unknown>;
}

/**
 * The most header bytes parsed here. Larger than the codec's limit, which guards the queue against strangers; the
 * client already accepts messages this large from its queue (maxPayload), so parsing one costs no new exposure.
 */
const MAX_SALVAGE_HEADER_BYTES = 64 * 1024 * 1024;
/** Where to look for `"callId"` and `"chunk"` when the header is not JSON. */
const SCAN_BYTES = 64 * 1024;
const decoder = new TextDecoder("utf-8");

export function salvageReply(data: Uint8Array): SalvagedReply | undefined {
  if (data.byteLength < 4) return undefined;
  const headerLength = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
  const end = Math.min(data.byteLength, 4 + headerLength);
  if (headerLength <= MAX_SALVAGE_HEADER_BYTES && 4 + headerLength <= data.byteLength) {
    const header = parseObject(decoder.decode(data.subarray(4, end)));
    if (header && typeof header.callId === "string" && Number.isInteger(header.chunk)) {
      return { callId: header.callId, chunk: header.chunk as number, header };
    }
  }
  const text = decoder.decode(data.subarray(4, Math.min(end, 4 + SCAN_BYTES)));
  const callId = /"callId"\s*:\s*"([^"\\]{1,200})"/.exec(text)?.[1];
  const chunk = /"chunk"\s*:\s*(\d{1,9})\b/.exec(text)?.[1];
  return callId !== undefined && chunk !== undefined ? { callId, chunk: Number(chunk) } : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Bounds a text a peer sent before it reaches an error message. */
export function boundText(text: string, max = 4000): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
