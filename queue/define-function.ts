import type { Table } from "apache-arrow";
import { InvalidArgumentError } from "../protocol/errors.js";
import type { CostSpec, FunctionSpec } from "../protocol/messages.js";
import { costOptionsProblem } from "./policy/cost.js";
import { functionNameProblem } from "../protocol/function-name.js";
import { parseResources, type ResourceOptions } from "./resources.js";

/**
 * What a handler may return for a batch of n rows: one value per row. Vectors (Float32Array[] / number[][]) become
 * `List<Float32>`, numbers `Float64`, strings `Utf8`; an Arrow Vector or Table column is passed through.
 */
export type HandlerResult = unknown[] | ArrayLike<unknown> | { length: number };

// Column handlers get whole columns, in the order of `inputs` (the seed requires batch input).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ColumnHandler = (...columns: any[]) => HandlerResult | Promise<HandlerResult>;
export type TableHandler = (batch: Table) => HandlerResult | Promise<HandlerResult>;

export interface FunctionOptions extends ResourceOptions {
  name: string;
  /** Most rows per handler call. @default 64 */
  maxBatchingSize?: number;
  /** Most ms the oldest buffered row waits before a partial batch is sent. @default 100 */
  maxBufferDuration?: number;
  /** Handler failures retried (with backoff) before the rows' chunks fail. @default 0 */
  retries?: number;
  /**
   * Input column names, in the handler's parameter order; `"table"` hands the handler the whole batch as an Arrow
   * Table. Default: the handler's parameter names (`(text) => ...` takes the column `text`).
   */
  inputs?: string[] | "table";
  /**
   * Most cost one batch may hold, by `cost`: a batch is dispatched when the next row would pass it, or
   * `maxBatchingSize` rows, or `maxBufferDuration`, whichever comes first. A single row above it goes alone.
   * Needs `cost`. @example 2048 (tokens, with cost: { column: "text", per: "bytes/4" })
   */
  maxBatchingCost?: number;
  /**
   * How the queue prices a row, read from a column of the submitted rows: `per: "bytes/4"` (UTF-8 bytes ÷ 4 ≈
   * tokens; the default for strings), `"bytes"`, `"items"` (a list's length), or `"value"` (a numeric column that
   * holds each row's cost, e.g. token counts from a real tokenizer). Not a function: the queue forms batches before
   * any worker sees the rows and never runs user code (queue/policy/cost.ts).
   */
  cost?: CostSpec;
  /**
   * Length bucketing: form each batch from rows of similar cost within the buffer window, so a model that pads each
   * batch to its longest row wastes less (queue/policy/cost-buckets.ts). Needs `cost`. @default false
   */
  sortByCost?: boolean;
}

const FUNCTION_BRAND = Symbol.for("chalknb.function");

export interface FunctionDefinition {
  readonly [FUNCTION_BRAND]: true;
  readonly spec: FunctionSpec;
  readonly handler: ColumnHandler | TableHandler;
}

/**
 * Declares a batched function for `chalknb worker`.
 * @example
 * export const embed = defineFunction({ name: "embed", maxBatchingSize: 25, maxBufferDuration: 2000, retries: 3 },
 *   async (text: string[]) => model.embed(text));
 */
export function defineFunction(options: FunctionOptions, handler: ColumnHandler | TableHandler): FunctionDefinition {
  const nameProblem = functionNameProblem(options?.name);
  if (nameProblem) throw new InvalidArgumentError(`defineFunction: ${nameProblem}`);
  if (typeof handler !== "function") throw new InvalidArgumentError(`defineFunction("${options.name}"): the handler must be a function`);
  const spec: FunctionSpec = {
    name: options.name,
    maxBatchingSize: options.maxBatchingSize ?? 64,
    maxBufferDuration: options.maxBufferDuration ?? 100,
    retries: options.retries ?? 0,
    inputs: options.inputs ?? parameterNames(handler),
  };
  const where = `defineFunction("${spec.name}")`;
  // gpu / cpu / memory become `needs` (placement, policy/placement.ts); an `image` only earns a notice.
  const resources = parseResources(options, where);
  if (resources.needs) spec.needs = resources.needs;
  for (const notice of resources.notices) process.stderr.write(`${notice}\n`);
  if (!Number.isInteger(spec.maxBatchingSize) || spec.maxBatchingSize < 1) throw new InvalidArgumentError(`${where}: maxBatchingSize must be a positive integer, got ${spec.maxBatchingSize}`);
  if (!(spec.maxBufferDuration >= 0)) throw new InvalidArgumentError(`${where}: maxBufferDuration must be milliseconds >= 0, got ${spec.maxBufferDuration}`);
  if (!Number.isInteger(spec.retries) || spec.retries < 0) throw new InvalidArgumentError(`${where}: retries must be an integer >= 0, got ${spec.retries}`);
  if (spec.inputs !== "table" && spec.inputs.length === 0) {
    throw new InvalidArgumentError(`${where}: the handler declares no inputs; give it one parameter per input column, e.g. (text: string[]) => ..., or set inputs`);
  }
  const costProblem = costOptionsProblem(options);
  if (costProblem) throw new InvalidArgumentError(`${where}: ${costProblem}`);
  if (options.cost) spec.cost = options.cost.per === undefined ? { column: options.cost.column } : { column: options.cost.column, per: options.cost.per };
  if (options.maxBatchingCost !== undefined) spec.maxBatchingCost = options.maxBatchingCost;
  if (options.sortByCost === true) spec.sortByCost = true;
  return { [FUNCTION_BRAND]: true, spec, handler };
}

export function isFunctionDefinition(value: unknown): value is FunctionDefinition {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[FUNCTION_BRAND] === true;
}

/** Reads `(text, lang) => ...` / `async function f(text) {...}` parameter names; destructured params are not columns. */
function parameterNames(handler: (...args: never[]) => unknown): string[] {
  const source = Function.prototype.toString.call(handler).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  const match = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(source.trim()) ?? /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source.trim());
  if (!match) return [];
  return match[1]
    .split(",")
    .map((p) => p.trim().replace(/\s*=.*$/, "").replace(/:.*$/, "").replace(/^\.\.\./, ""))
    .filter((p) => /^[A-Za-z_$][\w$]*$/.test(p));
}
