import type { FlatBufferReader, FlatTable, FlatVector } from "./flatbuffer-reader.js";

/**
 * What the body checks need to know of a schema field: how apache-arrow's VectorLoader lays its buffers out, read
 * from the (bounds-checked) Schema message with the same defaults the generated FlatBuffers code uses.
 * @internal
 */
export type Layout =
  | { kind: "null" }
  | { kind: "bool" }
  | { kind: "fixed"; width: number }
  | { kind: "binary"; offsetWidth: 4 | 8 }
  | { kind: "view" }
  | { kind: "list"; offsetWidth: 4 | 8; child: FieldLayout }
  | { kind: "fixedList"; size: number; child: FieldLayout }
  | { kind: "struct"; children: FieldLayout[] }
  | { kind: "union"; dense: boolean; typeIds: number[]; children: FieldLayout[] }
  | { kind: "dictionary"; id: number; indexWidth: number };

export interface FieldLayout {
  name: string;
  layout: Layout;
}

export interface SchemaLayout {
  fields: FieldLayout[];
  /** Dictionary id → the layout of its values (the first field declaring an id defines it, as in apache-arrow). */
  dictionaries: Map<number, FieldLayout>;
}

/** Deepest nesting of fields accepted (a struct of lists of ...). @default 64 */
const MAX_NESTING = 64;

// Arrow's Type enum (Schema.fbs).
const T = {
  NONE: 0, Null: 1, Int: 2, FloatingPoint: 3, Binary: 4, Utf8: 5, Bool: 6, Decimal: 7, Date: 8, Time: 9, Timestamp: 10,
  Interval: 11, List: 12, Struct: 13, Union: 14, FixedSizeBinary: 15, FixedSizeList: 16, Map: 17, Duration: 18,
  LargeBinary: 19, LargeUtf8: 20, LargeList: 21, RunEndEncoded: 22, BinaryView: 23, Utf8View: 24, ListView: 25, LargeListView: 26,
} as const;
const UNSUPPORTED: Record<number, string> = { [T.RunEndEncoded]: "RunEndEncoded", [T.ListView]: "ListView", [T.LargeListView]: "LargeListView" };

/** Reads a Schema message's fields (Schema.fbs: endianness, fields, custom_metadata, features). */
export function readSchema(fb: FlatBufferReader, schema: FlatTable): SchemaLayout {
  if (fb.int16(schema, 0, 0) !== 0) fb.fail("the schema is big-endian; only little-endian bodies are read");
  const dictionaries = new Map<number, FieldLayout>();
  const fieldVector = fb.vector(schema, 1, 4);
  const fields: FieldLayout[] = [];
  for (let i = 0; i < fieldVector.length; i++) fields.push(readField(fb, fb.tableAt(fieldVector, i), 0, dictionaries));
  readKeyValues(fb, fb.vector(schema, 2, 4));
  fb.vector(schema, 3, 8); // features
  return { fields, dictionaries };
}

/** Custom metadata (KeyValue: key, value): only checked, never used. */
export function readKeyValues(fb: FlatBufferReader, vector: FlatVector): void {
  for (let i = 0; i < vector.length; i++) {
    const entry = fb.tableAt(vector, i);
    fb.string(entry, 0);
    fb.string(entry, 1);
  }
}

// Field.fbs slots: name, nullable, type_type, type, dictionary, children, custom_metadata.
function readField(fb: FlatBufferReader, field: FlatTable, depth: number, dictionaries: Map<number, FieldLayout>): FieldLayout {
  if (depth > MAX_NESTING) fb.fail(`fields nest more than ${MAX_NESTING} deep`);
  const name = fb.string(field, 0) ?? "";
  fb.int8(field, 1, 0);
  const typeId = fb.uint8(field, 2, T.NONE);
  const typeTable = fb.subTable(field, 3);
  const encoding = fb.subTable(field, 4);
  const childVector = fb.vector(field, 5, 4);
  const children: FieldLayout[] = [];
  for (let i = 0; i < childVector.length; i++) children.push(readField(fb, fb.tableAt(childVector, i), depth + 1, dictionaries));
  readKeyValues(fb, fb.vector(field, 6, 4));
  const values: FieldLayout = { name, layout: typeLayout(fb, name, typeId, typeTable, children) };
  if (!encoding) return values;
  // DictionaryEncoding: id, indexType (Int), isOrdered, dictionaryKind.
  const id = fb.int64(encoding, 0, 0);
  const indexType = fb.subTable(encoding, 1);
  const indexBits = indexType ? fb.int32(indexType, 0, 0) : 32;
  if (indexType) fb.int8(indexType, 1, 0);
  fb.int8(encoding, 2, 0);
  fb.int16(encoding, 3, 0);
  if (![8, 16, 32, 64].includes(indexBits)) fb.fail(`column "${name}": dictionary indices of ${indexBits} bits (expected 8, 16, 32 or 64)`);
  if (!dictionaries.has(id)) dictionaries.set(id, values);
  return { name, layout: { kind: "dictionary", id, indexWidth: indexBits / 8 } };
}

function typeLayout(fb: FlatBufferReader, name: string, typeId: number, t: FlatTable | undefined, children: FieldLayout[]): Layout {
  const bad = (what: string): never => fb.fail(`column "${name}": ${what}`);
  const table = (): FlatTable => t ?? bad(`type ${typeId} comes without its parameters`);
  const oneChild = (): FieldLayout => (children.length === 1 ? children[0] : bad(`a list type needs exactly one child field, got ${children.length}`));
  const pick = (value: number, widths: Record<number, number>, what: string): number => widths[value] ?? bad(`${what} ${value}`);
  switch (typeId) {
    case T.NONE:
    case T.Null:
      return { kind: "null" };
    case T.Bool:
      return { kind: "bool" };
    case T.Int: {
      const bits = fb.int32(table(), 0, 0);
      fb.int8(table(), 1, 0);
      return { kind: "fixed", width: pick(bits, { 8: 1, 16: 2, 32: 4, 64: 8 }, "an integer bit width of") };
    }
    case T.FloatingPoint:
      return { kind: "fixed", width: pick(fb.int16(table(), 0, 0), { 0: 2, 1: 4, 2: 8 }, "a floating-point precision of") };
    case T.Decimal: {
      fb.int32(table(), 0, 0);
      fb.int32(table(), 1, 0);
      return { kind: "fixed", width: pick(fb.int32(table(), 2, 128), { 32: 4, 64: 8, 128: 16, 256: 32 }, "a decimal bit width of") };
    }
    case T.Date:
      return { kind: "fixed", width: pick(fb.int16(table(), 0, 1), { 0: 4, 1: 8 }, "a date unit of") };
    case T.Time: {
      pick(fb.int16(table(), 0, 1), { 0: 1, 1: 1, 2: 1, 3: 1 }, "a time unit of");
      return { kind: "fixed", width: pick(fb.int32(table(), 1, 32), { 32: 4, 64: 8 }, "a time bit width of") };
    }
    case T.Timestamp:
      pick(fb.int16(table(), 0, 0), { 0: 1, 1: 1, 2: 1, 3: 1 }, "a timestamp unit of");
      fb.string(table(), 1);
      return { kind: "fixed", width: 8 };
    case T.Duration:
      pick(fb.int16(table(), 0, 1), { 0: 1, 1: 1, 2: 1, 3: 1 }, "a duration unit of");
      return { kind: "fixed", width: 8 };
    case T.Interval:
      return { kind: "fixed", width: pick(fb.int16(table(), 0, 0), { 0: 4, 1: 8, 2: 16 }, "an interval unit of") };
    case T.FixedSizeBinary: {
      const width = fb.int32(table(), 0, 0);
      return width >= 0 ? { kind: "fixed", width } : bad(`a fixed-size binary width of ${width}`);
    }
    case T.Binary:
    case T.Utf8:
      return { kind: "binary", offsetWidth: 4 };
    case T.LargeBinary:
    case T.LargeUtf8:
      return { kind: "binary", offsetWidth: 8 };
    case T.BinaryView:
    case T.Utf8View:
      return { kind: "view" };
    case T.List:
      return { kind: "list", offsetWidth: 4, child: oneChild() };
    case T.LargeList:
      return { kind: "list", offsetWidth: 8, child: oneChild() };
    case T.Map:
      fb.int8(table(), 0, 0);
      return { kind: "list", offsetWidth: 4, child: oneChild() };
    case T.FixedSizeList: {
      const size = fb.int32(table(), 0, 0);
      return size >= 0 ? { kind: "fixedList", size, child: oneChild() } : bad(`a fixed-size list of ${size} items`);
    }
    case T.Struct:
      return { kind: "struct", children };
    case T.Union: {
      const mode = fb.int16(table(), 0, 0);
      if (mode !== 0 && mode !== 1) bad(`a union mode of ${mode}`);
      const ids = fb.vector(table(), 1, 4);
      const typeIds = Array.from({ length: ids.length }, (_, i) => fb.int32At(ids.start + 4 * i));
      if (typeIds.length !== children.length || typeIds.some((id) => id < 0 || id > 127) || new Set(typeIds).size !== typeIds.length) {
        bad(`union type ids [${typeIds.join(", ")}] must be ${children.length} distinct numbers from 0 to 127, one per child`);
      }
      return { kind: "union", dense: mode === 1, typeIds, children };
    }
  }
  if (UNSUPPORTED[typeId]) bad(`${UNSUPPORTED[typeId]} columns cannot be read here; send them decoded`);
  return bad(`unknown type id ${typeId}`);
}
