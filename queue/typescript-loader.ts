import { register } from "node:module";

let registered = false;

/**
 * Installs, once per process, the hooks that let `import()` load TypeScript files (compiled by typescript's
 * transpileModule, see typescript-hooks.ts) and resolve `chalknb` and chalknb's dependencies from them
 * (chalknb-resolve-hooks.ts). Stack traces then follow source maps, so errors name the .ts lines.
 * @internal
 */
export function registerTypeScriptLoader(): void {
  if (registered) return;
  registered = true;
  register(new URL("./chalknb-resolve-hooks.js", import.meta.url), { data: { root: new URL("../", import.meta.url).href } });
  register(new URL("./typescript-hooks.js", import.meta.url));
  process.setSourceMapsEnabled(true);
}

/** `import()` of a TypeScript (or JavaScript) file by URL, with the hooks above installed first. */
export async function importTypeScript(url: string): Promise<Record<string, unknown>> {
  registerTypeScriptLoader();
  return (await import(url)) as Record<string, unknown>;
}
