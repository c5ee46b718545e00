import Module, { register } from "node:module";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { InvalidArgumentError } from "../protocol/errors.js";
import { isFunctionDefinition, type FunctionDefinition } from "./define-function.js";

/**
 * Loads the functions exported by TypeScript (or JavaScript) files, compiled on the fly by tsx so users never run a
 * build step. Every export made with `defineFunction` counts.
 */
export async function loadFunctionFiles(paths: readonly string[]): Promise<FunctionDefinition[]> {
  registerChalknbResolution();
  const definitions: FunctionDefinition[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    let module: Record<string, unknown>;
    try {
      module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
    } catch (error) {
      throw new InvalidArgumentError(`could not load function file ${absolute}: ${(error as Error).stack ?? error}`);
    }
    const found = Object.values(module).filter(isFunctionDefinition);
    const fromDefault = isFunctionDefinition(module.default) ? [] : Object.values((module.default ?? {}) as object).filter(isFunctionDefinition);
    const all = [...new Set([...found, ...fromDefault])];
    if (all.length === 0) {
      throw new InvalidArgumentError(`${absolute} exports no function: export one made with defineFunction({ name, ... }, handler)`);
    }
    definitions.push(...all);
  }
  const names = new Set<string>();
  for (const definition of definitions) {
    if (names.has(definition.spec.name)) throw new InvalidArgumentError(`two functions are named "${definition.spec.name}"; names must be unique per worker`);
    names.add(definition.spec.name);
  }
  return definitions;
}

let registered = false;

/**
 * Function files import "chalknb"; resolve it to this very package even where no node_modules has it. tsx compiles
 * a `.ts` file outside any `"type": "module"` package as CommonJS, so both resolvers need it: an ESM resolve hook,
 * and CommonJS's `_resolveFilename` (the hook tsx itself patches; Node 20.19+ can require() our ESM build).
 */
function registerChalknbResolution(): void {
  if (registered) return;
  registered = true;
  const target = new URL("../index.js", import.meta.url);
  register(new URL("./chalknb-resolve-hooks.js", import.meta.url), { data: { target: target.href } });
  const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = cjs._resolveFilename;
  const targetPath = fileURLToPath(target);
  cjs._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === "chalknb" ? targetPath : original.call(this, request, ...rest);
  };
}
