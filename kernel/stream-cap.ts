/**
 * Bounds the text kept of one stream output (consecutive writes of stdout or stderr). A cell that prints gigabytes
 * would otherwise make the saved notebook that large, and past V8's string limit (about 512 MiB) the merge itself
 * throws (issue 9, defect 10). The head is kept; what follows is counted and replaced by one note.
 */
export interface OutputCap {
  /** Most UTF-8 bytes kept of one stream output. */
  maxBytes: number;
  /** The text that stands for `droppedBytes` bytes left out, appended after the kept head. */
  note(droppedBytes: number): string;
}

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string;
}

interface Kept {
  head: string;
  headBytes: number;
  dropped: number;
}

// Per output object, so the caller keeps plain outputs and never sees this bookkeeping.
const kept = new WeakMap<StreamOutput, Kept>();

/**
 * `previous` (a stream output this function returned, or undefined) followed by `piece`, with at most
 * `cap.maxBytes` bytes of text kept. Without a cap the texts are simply joined.
 */
export function appendStream(previous: StreamOutput | undefined, piece: StreamOutput, cap: OutputCap | undefined): StreamOutput {
  if (!cap) return previous ? { ...previous, text: previous.text + piece.text } : piece;
  const state: Kept = previous
    ? { ...(kept.get(previous) ?? { head: previous.text, headBytes: Buffer.byteLength(previous.text), dropped: 0 }) }
    : { head: "", headBytes: 0, dropped: 0 };
  const bytes = Buffer.byteLength(piece.text);
  const room = cap.maxBytes - state.headBytes;
  if (state.dropped === 0 && bytes <= room) {
    state.head += piece.text;
    state.headBytes += bytes;
  } else if (state.dropped === 0 && room > 0) {
    const prefix = utf8Prefix(piece.text, room);
    state.head += prefix.text;
    state.headBytes += prefix.bytes;
    state.dropped = bytes - prefix.bytes;
  } else {
    // Once something was left out, later writes are too: the kept text stays one contiguous head.
    state.dropped += bytes;
  }
  const output: StreamOutput = { ...(previous ?? piece), text: state.dropped > 0 ? state.head + cap.note(state.dropped) : state.head };
  kept.set(output, state);
  return output;
}

/** The longest prefix of `text` that is at most `maxBytes` UTF-8 bytes and does not split a character. */
export function utf8Prefix(text: string, maxBytes: number): { text: string; bytes: number } {
  const buffer = Buffer.from(text, "utf8");
  if (buffer.byteLength <= maxBytes) return { text, bytes: buffer.byteLength };
  let cut = maxBytes;
  while (cut > 0 && (buffer[cut]! & 0xc0) === 0x80) cut -= 1; // never end inside a multi-byte sequence
  return { text: buffer.subarray(0, cut).toString("utf8"), bytes: cut };
}
