/**
 * Defaults of the queue's limits, shared by both backends (memory and Redis) and the CLI, so a limit is stated once.
 */

/** Per function: rows submitted and not yet finished past which a submit gets a retryable `queue_full`. */
export const DEFAULT_MAX_BUFFERED_ROWS = 100_000;

/**
 * Per function: bytes of Arrow bodies of chunks submitted and not yet finished (queued or on a worker) past which a
 * submit gets a retryable `queue_full`. 1 GiB holds a laptop's working set without swapping; a queue serving several
 * functions may hold this much for each, so lower it (`--max-buffered-bytes`) on a small machine.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 ** 3;

/**
 * Longest a batch may stay on a worker. Past it the worker's slot is freed and the rows are delivered again, counted
 * like a lost worker; the worker is reported `hung` until it answers. Generous: a batch of a big model on a slow GPU
 * can take minutes, and a chunk's own `timeout` (which frees the slot as soon as every chunk of the batch is done)
 * covers the caller who cannot wait that long.
 */
export const DEFAULT_BATCH_DEADLINE_MS = 10 * 60_000;

/** A function no worker serves any more leaves `/v1/functions` and `/metrics` after this long (nothing queued). */
export const DEFAULT_FUNCTION_GRACE_MS = 60_000;
