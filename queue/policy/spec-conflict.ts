import { ChalknbError, ErrorCode } from "../../protocol/errors.js";
import type { FunctionSpec } from "../../protocol/messages.js";
import { describeNeeds } from "../resources.js";

/**
 * One spec per function name (issue 9, defect 8), the same on both backends. Workers that declare the same spec are
 * a scale-out and share the function's rows; a worker that declares a different spec (batch size, buffer duration,
 * retries, inputs) for a name that live workers serve is refused with both specs named. Once no worker serves a
 * function, a worker with a new spec may take the name (the spec changes for the rows still queued).
 */

/** The spec as one canonical JSON text (fixed key order): what the Redis registry stores and compares. */
export function canonicalSpec(spec: FunctionSpec): string {
  return JSON.stringify({
    name: spec.name, maxBatchingSize: spec.maxBatchingSize, maxBufferDuration: spec.maxBufferDuration, retries: spec.retries,
    inputs: spec.inputs,
    // Placement (policy/placement.ts): a spec without needs keeps its text.
    needs: spec.needs,
    // Batching by cost (policy/cost.ts): absent fields leave the text of a spec without them as it was.
    maxBatchingCost: spec.maxBatchingCost, cost: spec.cost && { column: spec.cost.column, per: spec.cost.per }, sortByCost: spec.sortByCost,
  });
}

export function describeSpec(spec: FunctionSpec): string {
  const inputs = spec.inputs === "table" ? '"table"' : `[${spec.inputs.map((n) => JSON.stringify(n)).join(", ")}]`;
  const cost = spec.cost ? `, maxBatchingCost ${spec.maxBatchingCost}, cost ${JSON.stringify(spec.cost)}${spec.sortByCost ? ", sortByCost" : ""}` : "";
  return `maxBatchingSize ${spec.maxBatchingSize}, maxBufferDuration ${spec.maxBufferDuration}, retries ${spec.retries}, inputs ${inputs}${cost}`;
}

/** The fields in which two specs of one name differ ("maxBatchingSize 10 vs 20"). */
export function specDifferences(current: FunctionSpec, incoming: FunctionSpec): string[] {
  const differences: string[] = [];
  for (const field of ["maxBatchingSize", "maxBufferDuration", "retries"] as const) {
    if (current[field] !== incoming[field]) differences.push(`${field} ${current[field]} vs ${incoming[field]}`);
  }
  if (JSON.stringify(current.inputs) !== JSON.stringify(incoming.inputs)) {
    differences.push(`inputs ${JSON.stringify(current.inputs)} vs ${JSON.stringify(incoming.inputs)}`);
  }
  if (current.maxBatchingCost !== incoming.maxBatchingCost) differences.push(`maxBatchingCost ${current.maxBatchingCost} vs ${incoming.maxBatchingCost}`);
  if (JSON.stringify(current.cost) !== JSON.stringify(incoming.cost)) differences.push(`cost ${JSON.stringify(current.cost)} vs ${JSON.stringify(incoming.cost)}`);
  if (Boolean(current.sortByCost) !== Boolean(incoming.sortByCost)) differences.push(`sortByCost ${Boolean(current.sortByCost)} vs ${Boolean(incoming.sortByCost)}`);
  if (JSON.stringify(current.needs) !== JSON.stringify(incoming.needs)) {
    differences.push(`needs ${current.needs ? describeNeeds(current.needs) : "none"} vs ${incoming.needs ? describeNeeds(incoming.needs) : "none"}`);
  }
  return differences;
}

/** Who serves a function now, with which spec. */
export interface ServedSpec {
  spec: FunctionSpec;
  /** Names of (some of) the workers serving it, or where they are ("a worker on gateway 1a2b3c4d"). */
  by: string[];
}

/** The refusal of a worker whose spec differs from the one live workers serve. */
export function specConflictError(current: ServedSpec, incoming: FunctionSpec, workerName: string): ChalknbError {
  const by = current.by.length > 0 ? current.by.join(", ") : "another worker";
  return new ChalknbError(ErrorCode.InvalidArgument,
    `function "${incoming.name}" is already served by ${by} with ${describeSpec(current.spec)}; ` +
    `worker ${workerName} declares ${describeSpec(incoming)} (differs in ${specDifferences(current.spec, incoming).join(", ")}). ` +
    `Workers of one function must declare the same options: change them to match, give the new one another name, or stop the others first`);
}

/**
 * Throws the refusal for the first of `specs` that live workers serve with another spec; `served` says who serves a
 * name now (undefined: nobody, any spec may take it).
 */
export function checkSpecs(specs: readonly FunctionSpec[], workerName: string, served: (name: string) => ServedSpec | undefined): void {
  for (const spec of specs) {
    const current = served(spec.name);
    if (current && canonicalSpec(current.spec) !== canonicalSpec(spec)) throw specConflictError(current, spec, workerName);
  }
}
