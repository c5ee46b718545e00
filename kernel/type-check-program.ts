import path from "node:path";
import { ARROW_GLOBALS } from "./cell-globals.js";

/**
 * What the kernel's type checker checks cells against: the compiler options, the prelude declaring the cell globals,
 * and the codes a notebook raises by design. Shared by the checker (type-check-worker.ts) and the packaging script,
 * which ships exactly the declaration files a program with these options loads (scripts/type-declarations.mjs).
 * @internal
 */

/** Virtual files of the checked program, in the notebook's folder. */
export const PRELUDE_FILE = "__chalknb_prelude__.d.ts";
export const CELLS_FILE = "__chalknb_cells__.ts";

/**
 * Codes a notebook raises by design: redeclarations across cells, and use before declaration (cells run in any order,
 * so a name declared by a cell further down may well exist when this one runs).
 */
export const IGNORED_CODES: ReadonlySet<number> = new Set([2451, 2300, 2393, 2323, 2528, 2440, 1375, 1378, 2448, 2449, 2450, 2454]);

export const PRELUDE = `import * as __arrow from "apache-arrow";
import * as __sdk from "chalknb";
declare global {
  const arrow: typeof __arrow;
${ARROW_GLOBALS.map((name) => `  export import ${name} = __arrow.${name};`).join("\n")}
  export import Remote = __sdk.Remote;
  export import writeParquet = __sdk.writeParquet;
  export import readParquet = __sdk.readParquet;
  function display(value: unknown, options?: { displayId?: string }): { readonly displayId: string; update(value: unknown): void };
}
`;

/**
 * Options for checking cells in `cwd`, with declarations from `packageRoot` (the repository, or the installed
 * extension): typescript's lib files, @types/node, apache-arrow's and chalknb's own declarations.
 */
export function checkerOptions(ts: typeof import("typescript"), packageRoot: string, cwd: string): import("typescript").CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    typeRoots: [path.join(packageRoot, "node_modules", "@types")],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    baseUrl: cwd,
    paths: {
      "apache-arrow": [path.join(packageRoot, "node_modules", "apache-arrow")],
      chalknb: [path.join(packageRoot, "dist", "index.d.ts")],
    },
  };
}
