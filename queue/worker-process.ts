import { main } from "./worker-main.js";

/** Entry point of a forked worker process (the embedded default starts these). */
main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
