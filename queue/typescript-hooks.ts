/**
 * Module hooks (registered with `module.register`, they run on Node's hooks thread) that load TypeScript files —
 * function files, and helpers a notebook imports — compiled on the fly by typescript's `transpileModule`. typescript is
 * plain JavaScript, so the kernel, the worker and the .vsix carry no native compiler (esbuild, which tsx wraps, is a
 * binary per platform). Output is an ES module with an inline source map (stack traces show the .ts lines).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type * as TS from "typescript";

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type ResolveContext = { parentURL?: string; conditions?: string[] };
type NextResolve = (specifier: string, context: ResolveContext) => Promise<Resolved>;
type Loaded = { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean };
type NextLoad = (url: string, context: unknown) => Promise<Loaded>;

/** `.ts` and `.mts` (both loaded as ES modules). `.cts` and `.tsx` are not function files. */
const TYPESCRIPT_FILE = /\.m?ts$/;

let ts: typeof TS | undefined;

/**
 * TypeScript's import conventions that Node does not follow: `./helper.js` naming `./helper.ts`, and extensionless
 * `./helper` or `./dir` (index.ts), tried only after Node found nothing, and only from a TypeScript file.
 */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<Resolved> {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const relative = specifier.startsWith("./") || specifier.startsWith("../");
    if (!relative || !context.parentURL || !TYPESCRIPT_FILE.test(new URL(context.parentURL).pathname)) throw error;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT") throw error;
    for (const candidate of typescriptCandidates(specifier)) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // next candidate
      }
    }
    throw error;
  }
}

function typescriptCandidates(specifier: string): string[] {
  if (/\.m?js$/.test(specifier)) return [specifier.replace(/js$/, "ts")];
  if (/\.[a-z]+$/i.test(specifier)) return [];
  return [`${specifier}.ts`, `${specifier}/index.ts`];
}

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<Loaded> {
  if (!url.startsWith("file:") || !TYPESCRIPT_FILE.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, "utf8");
  ts ??= createRequire(import.meta.url)("typescript") as typeof TS;
  const out = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}
