// The seed's end-to-end example as a plain Node script: embed 500 documents on the embedded default and write
// embeddings.parquet. Run from this folder so the embedded default finds ./functions/embed.ts.
import { Remote, writeParquet } from "chalknb";
import { Field, Float32, List, Table, tableFromArrays } from "apache-arrow";

const remote = new Remote();
const embed = remote.function("embed", { outputType: new List(new Field("item", new Float32())), isAsync: true });

const documents = Array.from({ length: 500 }, (_, i) => `Document ${i}: content goes here.`);
const args = tableFromArrays({ text: documents });

const result = await embed.chunkedCall(args, {
  chunkSize: 50,
  concurrentChunks: 4,
  timeout: 300,
  onProgress: (p) => process.stdout.write(`\r${p.rowsDone}/${p.totalRows} rows, ${p.rowsPerSecond.toFixed(0)} rows/s  `),
});
process.stdout.write("\n");

const output = new Table({ text: args.getChild("text"), embedding: result.getChild("result") });
await writeParquet(output, "embeddings.parquet");
console.log(`Wrote ${output.numRows} embeddings to embeddings.parquet`);
