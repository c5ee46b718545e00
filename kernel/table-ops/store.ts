import { randomBytes } from "node:crypto";

/**
 * The tables this kernel process displayed, by handle, so the renderer can ask for more of them than the output item
 * holds. A handle names its kernel process: one from an earlier process (notebook reopened, kernel restarted) is
 * told apart from one this process dropped, and both get a message that says what to do.
 *
 * Loads nothing (no apache-arrow): display.ts registers tables on the cell's path.
 */

/** Tables held at once; older ones are dropped (their outputs keep their preview and say so when asked for more). */
export const MAX_HELD_TABLES = 64;

const kernelId = randomBytes(4).toString("hex");
let counter = 0;
const held = new Map<string, unknown>();

/** Holds `table` and returns its handle. The same table displayed again gets the same handle. */
export function holdTable(table: unknown): string {
  for (const [handle, t] of held) {
    if (t === table) {
      held.delete(handle);
      held.set(handle, t); // most recently used last
      return handle;
    }
  }
  const handle = `k${kernelId}-t${++counter}`;
  held.set(handle, table);
  while (held.size > MAX_HELD_TABLES) held.delete(held.keys().next().value as string);
  return handle;
}

export type Lookup = { ok: true; table: unknown } | { ok: false; code: "CHALKNB_STALE_HANDLE"; message: string };

/** The table behind `handle`, or why there is none (in words for the grid). */
export function lookupTable(handle: string): Lookup {
  const table = held.get(handle);
  if (table !== undefined) return { ok: true, table };
  if (typeof handle !== "string" || !handle.startsWith(`k${kernelId}-`)) {
    return {
      ok: false,
      code: "CHALKNB_STALE_HANDLE",
      message: "This table came from a kernel that is no longer running (restarted or closed): run the cell again to browse all rows.",
    };
  }
  return {
    ok: false,
    code: "CHALKNB_STALE_HANDLE",
    message: `The kernel let go of this table (it keeps the last ${MAX_HELD_TABLES} tables shown): run the cell again to browse all rows.`,
  };
}

/** For tests: forget every table. */
export function releaseAllTables(): void {
  held.clear();
}
