// A client process for the spawned-call tests: spawns a call, prints its id, and exits without waiting for it.
// `npm test` also loads every compiled file under test/ as a test file: without `--spawn` this one does nothing.
import { tableFromArrays } from "apache-arrow";
import { Remote } from "../../sdk/index.js";

if (process.argv[2] === "--spawn") await spawnAndExit(process.argv.slice(3));

async function spawnAndExit([url, fn, rows, chunkSize, concurrentChunks]: string[]): Promise<void> {
  const remote = new Remote({ url });
  const table = tableFromArrays({ text: Array.from({ length: Number(rows) }, (_, i) => `row ${i}`) });
  const handle = await remote.function(fn).spawn(table, { chunkSize: Number(chunkSize), concurrentChunks: Number(concurrentChunks) });
  process.stdout.write(`${handle.id}\n`);
  process.exit(0);
}
