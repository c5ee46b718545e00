import { createRequire } from "node:module";
import { PROTOCOL_VERSION } from "./wire.js";

/** The `kernel_info_reply` content (the same on shell and control). */

const require = createRequire(import.meta.url);
const packageVersion = (require("../../../package.json") as { version: string }).version;

export function kernelInfo(): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "chalknb",
    implementation_version: packageVersion,
    language_info: {
      name: "typescript",
      version: "5",
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: "typescript",
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `chalknb ${packageVersion}: TypeScript on Node.js ${process.version}, with Remote, arrow and display in every cell`,
    help_links: [],
    debugger: false,
  };
}
