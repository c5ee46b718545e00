// A client process for the spawned-call tests: spawns a call, prints its id, and exits without waiting for it.
import { tableFromArrays } from "apache-arrow";
import { Remote } from "../../sdk/index.js";

const [url, fn, rows, chunkSize, concurrentChunks] = process.argv.slice(2);
const remote = new Remote({ url });
const table = tableFromArrays({ text: Array.from({ length: Number(rows) }, (_, i) => `row ${i}`) });
const handle = await remote.function(fn).spawn(table, { chunkSize: Number(chunkSize), concurrentChunks: Number(concurrentChunks) });
process.stdout.write(`${handle.id}\n`);
process.exit(0);
