import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidArgumentError } from "../protocol/errors.js";
import { isFunctionDefinition, type FunctionDefinition } from "./define-function.js";
import { importTypeScript } from "./typescript-loader.js";

/**
 * Loads the functions exported by TypeScript (or JavaScript) files, compiled on the fly by typescript (see
 * typescript-loader.ts) so users never run a build step. Every export made with `defineFunction` counts.
 */
export async function loadFunctionFiles(paths: readonly string[]): Promise<FunctionDefinition[]> {
  const definitions: FunctionDefinition[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    let module: Record<string, unknown>;
    try {
      module = await importTypeScript(pathToFileURL(absolute).href);
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
