import { isBuiltin } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CELL_RUNTIME } from "./cell-compiler.js";
import { ARROW_GLOBALS } from "./cell-globals.js";

export { ARROW_GLOBALS };

/**
 * What compiled cells find in the global scope: the compiler's helpers (declare, import) and the cell globals named in
 * DESIGN.md (`Remote`, `arrow` and its common factories, `display`, `writeParquet`, `readParquet`).
 *
 * apache-arrow and the SDK are loaded in the background after the kernel says it is ready (kernel start stays fast);
 * the first cell waits for them. They are ESM and must be the same module instances the SDK uses, so they cannot be
 * loaded synchronously on first touch (a `require` would load arrow's CommonJS build: a second, incompatible `Table`).
 */


const GLOBAL_REFERENCE = new RegExp(`\\b(?:arrow|apache-arrow|chalknb|Remote|writeParquet|readParquet|${ARROW_GLOBALS.join("|")})\\b`);

type ModuleNamespace = Record<string, unknown>;

export interface CellRuntimeOptions {
  /** The notebook's folder: bare and relative imports resolve from here. */
  cwd: string;
}

export interface CellRuntime {
  /** Resolves when `arrow`, `Remote`, ... are in the global scope (or failed to load, which cells then report). */
  readonly ready: Promise<void>;
  /**
   * What a cell must wait for before it runs: the loading globals it names, or nothing (undefined) when it names none
   * or all are loaded. A trivial first cell thus runs at once while apache-arrow and the SDK load in the background.
   */
  needs(source: string): Promise<void> | undefined;
  /** Resolves once `arrow()` is defined (displaying an object may need it to recognise an Arrow table). */
  readonly arrowReady: Promise<void>;
  /** The apache-arrow namespace once loaded. */
  arrow(): ModuleNamespace | undefined;
  /** Imports a module the way a cell's `import` does. */
  importModule(specifier: string, options?: ImportCallOptions): Promise<ModuleNamespace>;
  /** Stops what the SDK started in this process (the embedded queue and worker), if it was loaded. */
  shutdown(): Promise<void>;
}

const kernelPackageIndex = new URL("../index.js", import.meta.url);

/** Installs the helpers and starts loading the globals. Call once per kernel process. */
export function installCellRuntime(options: CellRuntimeOptions): CellRuntime {
  const parentUrl = pathToFileURL(path.join(options.cwd, "/")).href;
  let arrowNs: ModuleNamespace | undefined;
  let sdkNs: ModuleNamespace | undefined;
  const g = globalThis as Record<string, unknown>;

  g[CELL_RUNTIME.declare] = (names: string[]): void => {
    for (const name of names) if (!(name in globalThis)) g[name] = undefined;
  };

  async function importModule(specifier: string, importOptions?: ImportCallOptions): Promise<ModuleNamespace> {
    if (typeof specifier !== "string") throw new TypeError(`import(): expected a module specifier string, got ${typeof specifier}`);
    // The SDK and arrow must be the kernel's own instances: a second copy would make Tables the SDK cannot read.
    if (specifier === "apache-arrow") return import("apache-arrow") as Promise<ModuleNamespace>;
    if (specifier === "chalknb") return import(kernelPackageIndex.href) as Promise<ModuleNamespace>;
    if (isBuiltin(specifier)) return import(specifier) as Promise<ModuleNamespace>;
    const url = resolveSpecifier(specifier, parentUrl);
    if (/\.[mc]?tsx?$/.test(new URL(url).pathname)) {
      // TypeScript helpers next to the notebook: compiled by typescript through module hooks, installed on first use.
      const { importTypeScript } = await import("../queue/typescript-loader.js");
      return (await importTypeScript(url)) as ModuleNamespace;
    }
    return (await import(url, importOptions)) as ModuleNamespace;
  }
  g[CELL_RUNTIME.importModule] = importModule;

  const arrowReady = (import("apache-arrow") as Promise<ModuleNamespace>).then((arrowModule) => {
    arrowNs = arrowModule;
    g.arrow = arrowModule;
    for (const name of ARROW_GLOBALS) if (name in arrowModule) g[name] = arrowModule[name];
  });
  let loaded = false;
  const ready = (async () => {
    const [, sdk] = await Promise.all([arrowReady, import("../sdk/index.js").catch((error: unknown) => error as Error)]);
    loaded = true;
    if (sdk instanceof Error) {
      const fail = (): never => {
        throw new Error(`The chalknb SDK failed to load in this kernel: ${sdk.message}`);
      };
      g.Remote = fail;
      g.writeParquet = fail;
      g.readParquet = fail;
      return;
    }
    sdkNs = sdk as unknown as ModuleNamespace;
    g.Remote = sdkNs.Remote;
    g.writeParquet = sdkNs.writeParquet;
    g.readParquet = sdkNs.readParquet;
  })();

  async function shutdown(): Promise<void> {
    const stop = sdkNs?.shutdownEmbedded as (() => Promise<void>) | undefined;
    if (stop) await stop();
  }

  function needs(source: string): Promise<void> | undefined {
    if (loaded || !GLOBAL_REFERENCE.test(source)) return undefined;
    return ready;
  }

  return { ready, arrowReady, needs, arrow: () => arrowNs, importModule, shutdown };
}

/**
 * Resolves a module specifier from the notebook's folder (Jupyter's rule: the kernel works where the notebook is).
 * Bare specifiers not installed there fall back to the kernel's own dependencies.
 */
function resolveSpecifier(specifier: string, parentUrl: string): string {
  if (specifier.startsWith("file:")) return specifier;
  if (specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/")) {
    return new URL(specifier, parentUrl).href;
  }
  try {
    // Needs --experimental-import-meta-resolve (the client starts the kernel with it) for the parent argument.
    return import.meta.resolve(specifier, parentUrl);
  } catch {
    return import.meta.resolve(specifier);
  }
}
