// IPC body validation (issue 9, defect 2): what checking a body costs next to decoding it, and how fast a corrupt one
// is refused. Prints figures and ratios; asserts nothing. CHALKNB_BENCH_UNVALIDATED=1 also times apache-arrow on the
// corrupt bodies without the check (16–82 s each where the issue was found).
import { Field, Float32, List, Table, tableFromArrays, tableFromIPC, vectorFromArray } from "apache-arrow";
import { decodeRows, encodeRows } from "../protocol/arrow-ipc.js";
import { validateIpcStream } from "../protocol/ipc-validation.js";
import { fmt, percentile } from "./support.js";

function timeEach(fn: () => unknown, runs: number): number[] {
  for (let i = 0; i < Math.min(50, runs); i++) fn();
  return Array.from({ length: runs }, () => {
    const start = performance.now();
    fn();
    return performance.now() - start;
  });
}

const micros = (ms: number) => `${fmt(ms * 1000, 1)} µs`;

const bodies = [
  { name: "100,000 rows × 1 text column", bytes: encodeRows(tableFromArrays({ text: Array.from({ length: 100_000 }, (_, i) => `Document number ${i}: some text to embed.`) })) },
  {
    name: "2,000 rows × 512-float list",
    bytes: encodeRows(new Table({ v: vectorFromArray(Array.from({ length: 2000 }, (_, i) => Float32Array.from({ length: 512 }, (_, j) => i + j)), new List(new Field("item", new Float32()))) })),
  },
];
for (const { name, bytes } of bodies) {
  const runs = 2000;
  const check = percentile(timeEach(() => validateIpcStream(bytes), runs), 50);
  const decode = percentile(timeEach(() => tableFromIPC(bytes), runs), 50);
  const checked = percentile(timeEach(() => decodeRows(bytes), runs), 50);
  const column = percentile(timeEach(() => tableFromIPC(bytes).getChildAt(0)!.toArray(), 20), 50);
  console.log(`${name} (${fmt(bytes.byteLength / 1e6, 1)} MB): check ${micros(check)}, apache-arrow decode ${micros(decode)}, ` +
    `checked decode ${micros(checked)} (×${fmt(checked / decode, 2)} the lazy decode; ` +
    `+${fmt((100 * check) / (decode + column), 1)}% of decoding and reading the column, ${fmt(column, 1)} ms)`);
}

const issueBody = encodeRows(tableFromArrays({ text: ["row 0", "row 1", "row 2", "row 3"] }));
for (const value of [0x10, 0x40, 0x7f, 0xff]) {
  const corrupt = Uint8Array.from(issueBody);
  corrupt[40] = value;
  const refused = percentile(timeEach(() => {
    try {
      decodeRows(corrupt);
    } catch {
      // refused: what is timed
    }
  }, 1000), 50);
  let line = `${issueBody.byteLength}-byte body, byte 40 → 0x${value.toString(16)}: refused in ${micros(refused)}`;
  if (process.env.CHALKNB_BENCH_UNVALIDATED === "1") {
    const start = performance.now();
    const table = tableFromIPC(corrupt);
    for (let i = 0; i < table.numCols; i++) table.getChildAt(i)!.toArray();
    line += `; unchecked apache-arrow decode ${fmt((performance.now() - start) / 1000, 1)} s`;
  }
  console.log(line);
}
