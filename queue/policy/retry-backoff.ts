/** Wait before a failed batch's rows run again: doubles with each failure of its most-failed rows, at most 5 s. */
export function retryDelayMs(firstBackoffMs: number, failures: number): number {
  return Math.min(5000, firstBackoffMs * 2 ** (failures - 1));
}
