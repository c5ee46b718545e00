import { ChalknbError, ErrorCode } from "../protocol/errors.js";
import type { FunctionSpec, SubmitMessage } from "../protocol/messages.js";
import { functionNameProblem } from "../protocol/function-name.js";
import { costOptionsProblem } from "./policy/cost.js";
import { validateNeeds } from "./resources.js";

/** Longest callId a submit may carry: messages about a chunk repeat it. @default 256 */
const MAX_CALL_ID_LENGTH = 256;

/** Frames come from the network: every field a handler relies on is checked, with a message naming it. */
export function validateSubmit(message: SubmitMessage): SubmitMessage {
  const problems: string[] = [];
  if (typeof message.callId !== "string" || message.callId === "" || message.callId.length > MAX_CALL_ID_LENGTH) {
    problems.push(`callId must be a non-empty string of at most ${MAX_CALL_ID_LENGTH} characters`);
  }
  if (!Number.isInteger(message.chunk) || message.chunk < 0) problems.push("chunk must be a non-negative integer");
  if (typeof message.function !== "string" || message.function === "") problems.push("function must be a non-empty string");
  const rows = message.rows;
  if (!Array.isArray(rows) || rows.length !== 2 || !rows.every((n) => Number.isInteger(n) && n >= 0) || rows[1] < rows[0]) {
    problems.push("rows must be [from, to] with 0 <= from <= to");
  }
  if (message.timeoutMs !== null && message.timeoutMs !== undefined && !(typeof message.timeoutMs === "number" && message.timeoutMs > 0)) {
    problems.push("timeoutMs must be a positive number or null");
  }
  if (message.priority !== undefined && message.priority !== "interactive" && message.priority !== "batch") problems.push('priority must be "interactive" or "batch"');
  if (problems.length) throw new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: submit: ${problems.join("; ")}`);
  return message;
}

export function validateWorkerFunctions(functions: unknown): FunctionSpec[] {
  if (!Array.isArray(functions) || functions.length === 0) {
    throw new ChalknbError(ErrorCode.MalformedFrame, "malformed frame: a worker's hello must list the functions it serves");
  }
  return functions.map((spec: Partial<FunctionSpec>, i) => {
    const where = `hello.functions[${i}]`;
    const fail = (detail: string) => new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: ${where}.${detail}`);
    const nameProblem = functionNameProblem(spec?.name);
    if (nameProblem) throw fail(nameProblem);
    if (!Number.isInteger(spec.maxBatchingSize) || spec.maxBatchingSize! < 1) throw fail("maxBatchingSize must be a positive integer");
    if (typeof spec.maxBufferDuration !== "number" || spec.maxBufferDuration < 0) throw fail("maxBufferDuration must be a number of ms >= 0");
    if (!Number.isInteger(spec.retries) || spec.retries! < 0) throw fail("retries must be an integer >= 0");
    if (spec.inputs !== "table" && !(Array.isArray(spec.inputs) && spec.inputs.every((n) => typeof n === "string"))) {
      throw fail('inputs must be a list of column names or "table"');
    }
    const checked: FunctionSpec = { name: spec.name!, maxBatchingSize: spec.maxBatchingSize!, maxBufferDuration: spec.maxBufferDuration, retries: spec.retries!, inputs: spec.inputs };
    if (spec.needs !== undefined) checked.needs = validateNeeds(spec.needs, where);
    const costProblem = costOptionsProblem(spec);
    if (costProblem) throw fail(costProblem);
    // Batching by cost (policy/cost.ts); only fields that are set, so a spec without them compares equal to before.
    if (spec.cost !== undefined) checked.cost = spec.cost.per === undefined ? { column: spec.cost.column } : { column: spec.cost.column, per: spec.cost.per };
    if (spec.maxBatchingCost !== undefined) checked.maxBatchingCost = spec.maxBatchingCost;
    if (spec.sortByCost === true) checked.sortByCost = true;
    return checked;
  });
}
