/**
 * The buffer caps both backends enforce at submit, with the same messages: rows (`maxBufferedRows`) and bytes
 * (`maxBufferedBytes`), per function, over the chunks submitted and not yet finished.
 */

/** 41943040 → "40.0 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A chunk that can never fit (not retryable: resubmitting the same body cannot help). */
export function oversizedChunkMessage(chunk: number, bytes: number, maxBufferedBytes: number): string {
  return `chunk ${chunk} is ${formatBytes(bytes)} (${bytes} bytes), more than the queue's maxBufferedBytes ` +
    `(${formatBytes(maxBufferedBytes)}); use a smaller chunkSize`;
}

/** Would the chunk push the function past the byte cap? (A chunk larger than the cap is refused before this.) */
export function bytesFull(bufferedBytes: number, bytes: number, maxBufferedBytes: number): boolean {
  return bufferedBytes + bytes > maxBufferedBytes;
}

export function rowsFullMessage(functionName: string, bufferedRows: number, maxBufferedRows: number): string {
  return `queue_full: function "${functionName}" has ${bufferedRows} rows buffered (maxBufferedRows ${maxBufferedRows}); back off and resubmit`;
}

export function bytesFullMessage(functionName: string, bufferedBytes: number, bytes: number, maxBufferedBytes: number): string {
  return `queue_full: function "${functionName}" has ${formatBytes(bufferedBytes)} (${bufferedBytes} bytes) buffered and this chunk ` +
    `is ${bytes} bytes (maxBufferedBytes ${maxBufferedBytes} bytes, ${formatBytes(maxBufferedBytes)}); back off and resubmit`;
}
