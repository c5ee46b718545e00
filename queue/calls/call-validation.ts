import { ChalknbError, ErrorCode } from "../../protocol/errors.js";
import type { SpawnMessage } from "../../protocol/messages.js";

/** Longest call id: ids are repeated in every frame about the call. */
const MAX_CALL_ID_LENGTH = 128;
/** Most chunks one spawned call may have. @default 100_000 */
export const MAX_SPAWN_CHUNKS = 100_000;

export function validCallId(id: unknown): id is string {
  return typeof id === "string" && id !== "" && id.length <= MAX_CALL_ID_LENGTH && /^[A-Za-z0-9_.:-]+$/.test(id);
}

/** Frames come from the network: every field the runner relies on is checked, with a message naming it. */
export function validateSpawn(message: SpawnMessage): SpawnMessage {
  const problems: string[] = [];
  if (!validCallId(message.callId)) problems.push(`callId must be 1 to ${MAX_CALL_ID_LENGTH} characters of A-Z a-z 0-9 _ . : -`);
  if (typeof message.function !== "string" || message.function === "") problems.push("function must be a non-empty string");
  const chunks = message.chunks;
  if (!Array.isArray(chunks) || chunks.length > MAX_SPAWN_CHUNKS) {
    problems.push(`chunks must be an array of at most ${MAX_SPAWN_CHUNKS} [from, to] row ranges`);
  } else {
    let next = chunks.length > 0 && Array.isArray(chunks[0]) ? chunks[0][0] : 0;
    for (const range of chunks) {
      if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isSafeInteger(n) && n >= 0) || range[0] !== next || range[1] <= range[0]) {
        problems.push("chunks must be consecutive, non-empty [from, to] row ranges");
        break;
      }
      next = range[1];
    }
  }
  if (!Number.isInteger(message.concurrentChunks) || message.concurrentChunks < 1) problems.push("concurrentChunks must be a positive integer");
  if (message.timeoutMs !== null && !(typeof message.timeoutMs === "number" && message.timeoutMs > 0)) problems.push("timeoutMs must be a positive number or null");
  if (message.priority !== undefined && message.priority !== "interactive" && message.priority !== "batch") problems.push('priority must be "interactive" or "batch"');
  if (problems.length) throw new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: spawn: ${problems.join("; ")}`);
  return message;
}
