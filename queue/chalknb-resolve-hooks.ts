/**
 * Module resolve hooks (registered with `module.register`) for function files and the helpers a notebook imports:
 * - `chalknb`, `chalknb/worker`, `chalknb/queue` resolve to the chalknb that runs them, wherever the file lives (a
 *   notebook's `functions/` folder has no node_modules of its own);
 * - a bare specifier that nothing next to the file provides resolves from chalknb's own dependencies (the sample's
 *   `@energetic-ai/*` in the .vsix, `apache-arrow` in a folder without node_modules), as the kernel does for cells.
 */
let root: string | undefined;

/** `root`: the URL of chalknb's compiled entry folder (dist/), where index.js, worker.js and queue.js are. */
export function initialize(data: { root: string }): void {
  root = data.root;
}

const ENTRIES: Record<string, string> = { chalknb: "index.js", "chalknb/worker": "worker.js", "chalknb/queue": "queue.js" };

type ResolveContext = { parentURL?: string };
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  const entry = ENTRIES[specifier];
  if (entry && root) return { url: new URL(entry, root).href, shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const bare = !/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
    if (!bare || !root || (error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    return nextResolve(specifier, { ...context, parentURL: new URL("index.js", root).href });
  }
}
