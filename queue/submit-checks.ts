import { ErrorCode, describeRows } from "../protocol/errors.js";
import { decodeRows } from "../protocol/arrow-ipc.js";
import { echoed } from "../protocol/function-name.js";
import type { FunctionSpec, SubmitMessage } from "../protocol/messages.js";
import { costColumnProblem } from "./policy/cost.js";

export type SubmitVerdict =
  | { ok: true; rowCount: number; spec: FunctionSpec }
  | { ok: false; code: ErrorCode; message: string };

/**
 * The checks every backend makes on a submitted chunk before buffering it, with the same messages: the function
 * exists, the body is Arrow with the declared row count and the handler's input columns, and it fits the cap.
 */
export function checkSubmit(
  spec: FunctionSpec | undefined,
  registered: readonly string[],
  message: SubmitMessage,
  body: Uint8Array,
  maxBufferedRows: number,
): SubmitVerdict {
  if (!spec) {
    return refuse(ErrorCode.UnknownFunction,
      `no function named ${echoed(message.function)} is registered with this queue ` +
      `(registered: ${registered.length ? quoted(registered) : "none"}); start a worker that serves it: chalknb worker <file.ts>`);
  }
  let rowCount: number;
  let columns: string[];
  let costProblem: string | undefined;
  try {
    const table = decodeRows(body);
    rowCount = table.numRows;
    columns = table.schema.fields.map((f) => f.name);
    costProblem = costColumnProblem(spec, table);
  } catch (error) {
    return refuse(ErrorCode.MalformedFrame, `chunk ${message.chunk} of call ${message.callId}: the body is not an Arrow IPC stream (${(error as Error).message})`);
  }
  if (rowCount !== message.rows[1] - message.rows[0]) {
    return refuse(ErrorCode.MalformedFrame, `chunk ${message.chunk} declares ${describeRows(message.rows)} but its body holds ${rowCount} rows`);
  }
  const inputs = spec.inputs;
  if (inputs !== "table") {
    const missing = inputs.filter((name) => !columns.includes(name));
    if (missing.length > 0) {
      return refuse(ErrorCode.SchemaMismatch,
        `function "${spec.name}" takes the column${inputs.length > 1 ? "s" : ""} ${quoted(inputs)} ` +
        `but the input table has ${columns.length ? quoted(columns) : "no columns"}; ` +
        `missing: ${quoted(missing)}. Rename the input columns to match the handler's parameters.`);
    }
  }
  if (costProblem) return refuse(ErrorCode.SchemaMismatch, costProblem);
  if (rowCount > maxBufferedRows) {
    return refuse(ErrorCode.QueueFull, `chunk ${message.chunk} has ${rowCount} rows, more than the queue's maxBufferedRows (${maxBufferedRows}); use a smaller chunkSize`);
  }
  return { ok: true, rowCount, spec };
}

function refuse(code: ErrorCode, message: string): SubmitVerdict {
  return { ok: false, code, message };
}

/** At most this many names are listed in one message. */
const MAX_LISTED_NAMES = 20;

/** Names as `"a", "b"`, each and the list bounded: they may come from the caller's table. */
function quoted(names: readonly string[]): string {
  const listed = names.slice(0, MAX_LISTED_NAMES).map(echoed).join(", ");
  return names.length > MAX_LISTED_NAMES ? `${listed} and ${names.length - MAX_LISTED_NAMES} more` : listed;
}
