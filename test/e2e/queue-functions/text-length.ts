// Served by a worker on the e2e's own queue, so the dashboard test has a function with traffic to show.
import { defineFunction } from "chalknb";

export const textLength = defineFunction(
  { name: "textLength", maxBatchingSize: 10, maxBufferDuration: 20, retries: 1 },
  (text: string[]) => text.map((t) => t.length),
);
