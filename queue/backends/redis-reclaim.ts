import type { RedisClient } from "./redis-connection.js";
import { parseEntries, type RawEntry } from "./redis-entries.js";
import { ROWS_GROUP } from "./redis-keys.js";

export interface Reclaimed {
  raw: RawEntry;
  /** The delivery count after this claim. */
  deliveries: number;
}

/**
 * XAUTOCLAIMs a function's entries that have sat pending, unrefreshed, for `minIdleMs`: the rows of a gateway that
 * died (its heartbeat stopped refreshing its claims), or reads whose reply a Redis restart lost. XAUTOCLAIM gives no
 * delivery counts, so XPENDING over the claimed range supplies them (the retry and poison accounting needs them).
 */
export async function reclaimIdle(command: RedisClient, streamKey: string, consumer: string, minIdleMs: number, limit = 256): Promise<Reclaimed[]> {
  const reclaimed: Reclaimed[] = [];
  let cursor = "0-0";
  do {
    const reply = (await command.callBuffer("XAUTOCLAIM", [streamKey, ROWS_GROUP, consumer, minIdleMs, cursor, "COUNT", 64])) as [Buffer, unknown, unknown?];
    cursor = String(reply[0]);
    const raws = parseEntries(reply[1]);
    if (raws.length === 0) continue;
    const pending = (await command.xpending(streamKey, ROWS_GROUP, raws[0].id, raws[raws.length - 1].id, raws.length + 1000, consumer)) as Array<[string, string, number, number]>;
    const counts = new Map(pending.map(([id, , , deliveries]) => [String(id), Number(deliveries)]));
    for (const raw of raws) reclaimed.push({ raw, deliveries: counts.get(raw.id) ?? 2 });
  } while (cursor !== "0-0" && reclaimed.length < limit);
  return reclaimed;
}
