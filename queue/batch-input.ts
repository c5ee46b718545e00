import { Table, type Vector } from "apache-arrow";
import type { FunctionSpec } from "../protocol/messages.js";

/**
 * Builds a handler's arguments from a batch's segments (one Arrow table per segment, possibly from different
 * clients): whole columns in the order of `spec.inputs`, or one Table for `inputs: "table"` handlers.
 */
export function handlerArguments(spec: FunctionSpec, segments: Table[]): unknown[] {
  if (spec.inputs === "table") {
    return [segments.length === 1 ? segments[0] : new Table(segments.flatMap((t) => t.batches))];
  }
  return spec.inputs.map((name) => {
    const columns = segments.map((t) => {
      const column = t.getChild(name);
      if (!column) throw new Error(`the batch has no column "${name}" (it has ${t.schema.fields.map((f) => `"${f.name}"`).join(", ")})`);
      return column;
    });
    return columns.length === 1 ? columnValues(columns[0]) : columns.flatMap((c) => Array.from(columnValues(c) as ArrayLike<unknown>));
  });
}

/** Numbers come as typed arrays, strings as string[], nested types as arrays of values. */
function columnValues(column: Vector): unknown[] | ArrayLike<number> {
  const values = column.toArray() as unknown;
  if (ArrayBuffer.isView(values) && column.nullCount === 0) return values as unknown as ArrayLike<number>;
  return Array.from(column as Iterable<unknown>);
}
