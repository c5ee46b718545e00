/**
 * Module resolve hooks (registered with `module.register`) that make `import ... from "chalknb"` in a function file
 * resolve to the chalknb that runs the worker, wherever the file lives: a notebook's `functions/` folder has no
 * node_modules of its own.
 */
let target: string | undefined;

export function initialize(data: { target: string }): void {
  target = data.target;
}

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === "chalknb" && target) return { url: target, shortCircuit: true };
  return nextResolve(specifier, context);
}
