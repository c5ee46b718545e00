import { FlatBufferReader, IpcFormatError, type FlatTable, type FlatVector } from "./flatbuffer-reader.js";
import { readKeyValues, readSchema, type FieldLayout, type SchemaLayout } from "./ipc-schema.js";

/**
 * Checks an Arrow IPC stream before apache-arrow decodes it, so that a corrupt body fails in time proportional to its
 * size instead of stalling the process (issue 9: one flipped byte in a 336-byte body took 16–82 s to decode).
 *
 * It walks the stream the way apache-arrow's RecordBatchStreamReader and VectorLoader do: every message's metadata is
 * read through bounds-checked FlatBuffer accessors, each body must fit the stream, each buffer its body, and each
 * column's length must be backed by its buffers (validity bitmaps, offsets, fixed-width values); offsets must rise
 * and stay inside the values they index. What passes decodes without reading past any buffer.
 */

/** What a valid stream holds. */
export interface IpcStreamSummary {
  /** Rows over all record batches. */
  rows: number;
  /** Top-level column names, in schema order. */
  columns: string[];
}

/**
 * Most record batches in one stream: each costs apache-arrow a fixed amount of work however small it is (16,384
 * one-row batches took 1.7 s to decode and 3 s more to read one column of, on a loaded 2-core machine). Tables are
 * built in few batches (tableFromArrays, Parquet row groups); one glued from thousands of tiny tables is not.
 * @default 1024
 */
export const MAX_IPC_RECORD_BATCHES = 1024;
/** Most dictionary batches in one stream (delta dictionaries are concatenated, at a cost that grows with their number). */
export const MAX_IPC_DICTIONARY_BATCHES = 1024;
/** Longest column arrow-js can hold (lengths are int32). */
const MAX_LENGTH = 2 ** 31 - 1;
/**
 * Most values of nested columns that take no bytes per value (Null, zero-width binary, empty structs). Everything else
 * is bounded by the body's size; these are not, and a worker would materialize each one.
 */
const MAX_NESTED_BYTELESS_VALUES = 1 << 20;

const MessageHeader = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;
const METADATA_V4 = 3;
const METADATA_V5 = 4;

export function validateIpcStream(bytes: Uint8Array): IpcStreamSummary {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const state: StreamState = { dictionaries: new Set(), byteless: 0 };
  let schema: SchemaLayout | undefined;
  let rows = 0;
  let recordBatches = 0;
  let dictionaryBatches = 0;
  let pos = 0;
  for (let index = 0; pos < bytes.byteLength; index++) {
    const start = pos;
    const fail = (detail: string): never => {
      throw new IpcFormatError(`message ${index} (at byte ${start} of ${bytes.byteLength}): ${detail}`);
    };
    if (bytes.byteLength - pos < 4) fail(`${bytes.byteLength - pos} stray bytes where a message length belongs`);
    let metadataLength = view.getInt32(pos, true);
    if (metadataLength === -1) {
      // The continuation marker of format 0.15 and later; older streams start with the length.
      if (bytes.byteLength - pos < 8) fail("the stream ends after a continuation marker");
      metadataLength = view.getInt32(pos + 4, true);
      pos += 4;
    }
    if (metadataLength === 0) {
      if (pos + 4 !== bytes.byteLength) fail(`${bytes.byteLength - pos - 4} bytes follow the end-of-stream marker`);
      break;
    }
    if (metadataLength < 0 || metadataLength > bytes.byteLength - pos - 4) {
      fail(`metadata of ${metadataLength} bytes does not fit the ${bytes.byteLength - pos - 4} bytes left`);
    }
    pos += 4;
    const fb = new FlatBufferReader(bytes.subarray(pos, pos + metadataLength), `message ${index} (metadata at byte ${pos})`);
    pos += metadataLength;
    const message = fb.root();
    // Message.fbs slots: version, header_type, header, bodyLength, custom_metadata.
    const version = fb.int16(message, 0, 0);
    if (version !== METADATA_V4 && version !== METADATA_V5) fail(`metadata version V${version + 1}; expected V4 or V5`);
    const headerType = fb.uint8(message, 1, 0);
    const header = fb.subTable(message, 2) ?? fail("the message has no header");
    const bodyLength = fb.int64(message, 3, 0);
    readKeyValues(fb, fb.vector(message, 4, 4));
    if (bodyLength < 0 || bodyLength > bytes.byteLength - pos) fail(`a body of ${bodyLength} bytes does not fit the ${bytes.byteLength - pos} bytes left`);
    // The format pads metadata and buffers to 8 bytes; apache-arrow refuses a typed array that starts off its alignment.
    if (bodyLength > 0 && pos % 8 !== 0) fail(`the body starts at byte ${pos}, not on an 8-byte boundary`);
    const body = bytes.subarray(pos, pos + bodyLength);
    pos += bodyLength;

    if (headerType === MessageHeader.Schema) {
      if (schema) fail("a second schema in one stream");
      if (bodyLength !== 0) fail(`a schema message with a ${bodyLength}-byte body`);
      schema = readSchema(fb, header);
    } else if (!schema) {
      fail(`expected the schema first, got a message of type ${headerType}`);
    } else if (headerType === MessageHeader.RecordBatch) {
      if (++recordBatches > MAX_IPC_RECORD_BATCHES) {
        fail(`more than ${MAX_IPC_RECORD_BATCHES} record batches; rebuild a table glued from many small ones (e.g. with tableFromArrays) before sending it`);
      }
      rows += checkBatch(fb, header, body, schema.fields, { version, state, fail });
    } else if (headerType === MessageHeader.DictionaryBatch) {
      if (++dictionaryBatches > MAX_IPC_DICTIONARY_BATCHES) fail(`more than ${MAX_IPC_DICTIONARY_BATCHES} dictionary batches`);
      // DictionaryBatch.fbs slots: id, data (a RecordBatch), isDelta.
      const id = fb.int64(header, 0, 0);
      const data = fb.subTable(header, 1) ?? fail(`dictionary batch ${id} has no data`);
      fb.int8(header, 2, 0);
      const values = schema.dictionaries.get(id) ?? fail(`dictionary batch ${id} belongs to no column of the schema`);
      checkBatch(fb, data, body, [values], { version, state, fail });
      state.dictionaries.add(id);
    } else {
      fail(`message type ${headerType} is not part of a record batch stream`);
    }
  }
  if (!schema) throw new IpcFormatError(bytes.byteLength === 0 ? "the body is empty" : "the stream has no schema");
  return { rows, columns: schema.fields.map((f) => f.name) };
}

interface StreamState {
  /** Dictionary ids loaded so far. */
  dictionaries: Set<number>;
  /** Values of nested byteless columns so far (MAX_NESTED_BYTELESS_VALUES). */
  byteless: number;
}

interface BatchContext {
  version: number;
  state: StreamState;
  fail: (detail: string) => never;
}

/** One RecordBatch table (RecordBatch.fbs: length, nodes, buffers, compression, variadicBufferCounts); returns its length. */
function checkBatch(fb: FlatBufferReader, batch: FlatTable, body: Uint8Array, fields: readonly FieldLayout[], context: BatchContext): number {
  const length = fb.int64(batch, 0, 0);
  if (length < 0 || length > MAX_LENGTH) context.fail(`a batch of ${length} rows`);
  if (fb.subTable(batch, 3)) context.fail("the body is compressed; send it uncompressed");
  const cursor = new BatchCursor(fb, fb.vector(batch, 1, 16), fb.vector(batch, 2, 16), fb.vector(batch, 4, 8), body, context);
  for (const field of fields) cursor.column(field, field.name, length, true, false);
  return length;
}

/** Walks a batch's field nodes and buffers in VectorLoader's order, checking each against the body. */
class BatchCursor {
  #node = 0;
  #buffer = 0;
  #variadic = 0;

  constructor(
    private readonly fb: FlatBufferReader,
    private readonly nodes: FlatVector,
    private readonly buffers: FlatVector,
    private readonly variadicCounts: FlatVector,
    private readonly body: Uint8Array,
    private readonly context: BatchContext,
  ) {
    // apache-arrow converts every entry of these vectors to a number, used or not: each must be a safe integer.
    for (let i = 0; i < 2 * nodes.length; i++) fb.int64At(nodes.start + 8 * i);
    for (let i = 0; i < 2 * buffers.length; i++) fb.int64At(buffers.start + 8 * i);
    for (let i = 0; i < variadicCounts.length; i++) fb.int64At(variadicCounts.start + 8 * i);
  }

  /** Checks one column (and its children); `expected` is the length its parent needs (exactly, for a top-level one). */
  column(field: FieldLayout, path: string, expected: number, exact: boolean, nested: boolean): void {
    const fail = (detail: string): never => this.context.fail(`column "${path}": ${detail}`);
    if (this.#node >= this.nodes.length) fail(`the batch has ${this.nodes.length} field nodes, too few for its schema`);
    const at = this.nodes.start + 16 * this.#node++;
    const length = this.fb.int64At(at);
    const nullCount = this.fb.int64At(at + 8);
    if (length < 0 || length > MAX_LENGTH) fail(`a length of ${length}`);
    if (exact ? length !== expected : length < expected) fail(`${length} values where ${exact ? "" : "at least "}${expected} are needed`);
    const need = (buffer: Uint8Array, bytes: number, what: string) => {
      if (buffer.byteLength < bytes) fail(`${length} values need ${bytes} bytes of ${what}, the buffer has ${buffer.byteLength}`);
    };
    const validity = () => {
      // Only columns with a validity bitmap use the null count (apache-arrow writes -1 for a Null column's).
      if (nullCount < 0 || nullCount > length) fail(`${nullCount} nulls in ${length} values`);
      const bitmap = this.#nextBuffer(fail);
      if (nullCount > 0) need(bitmap, Math.ceil(length / 8), "validity bitmap");
      return bitmap;
    };
    const byteless = () => {
      if (nested && (this.context.state.byteless += length) > MAX_NESTED_BYTELESS_VALUES) {
        fail(`more than ${MAX_NESTED_BYTELESS_VALUES} nested values that take no bytes`);
      }
    };
    const layout = field.layout;
    switch (layout.kind) {
      case "null":
        return byteless();
      case "bool":
        validity();
        return need(this.#nextBuffer(fail), Math.ceil(length / 8), "values");
      case "fixed":
        validity();
        if (layout.width === 0) byteless();
        return need(this.#nextBuffer(fail), layout.width * length, "values");
      case "dictionary":
        if (!this.context.state.dictionaries.has(layout.id)) fail(`dictionary ${layout.id} has not been sent before this batch`);
        validity();
        return need(this.#nextBuffer(fail), layout.indexWidth * length, "dictionary indices");
      case "binary": {
        validity();
        const offsets = this.#nextBuffer(fail);
        const values = this.#nextBuffer(fail);
        checkOffsets(offsets, length, layout.offsetWidth, values.byteLength, "bytes of values", fail);
        return;
      }
      case "view": {
        const bitmap = validity();
        const views = this.#nextBuffer(fail);
        need(views, 16 * length, "views");
        const count = this.#variadic < this.variadicCounts.length ? this.fb.int64At(this.variadicCounts.start + 8 * this.#variadic++) : 0;
        if (count < 0 || count > this.buffers.length) fail(`${count} variadic buffers`);
        const data = Array.from({ length: count }, () => this.#nextBuffer(fail));
        return checkViews(views, length, nullCount > 0 ? bitmap : undefined, data, fail);
      }
      case "list": {
        validity();
        const end = checkOffsets(this.#nextBuffer(fail), length, layout.offsetWidth, MAX_LENGTH, "child values", fail);
        return this.column(layout.child, `${path}.${layout.child.name}`, end, false, true);
      }
      case "fixedList":
        validity();
        if (layout.size * length > MAX_LENGTH) fail(`${length} lists of ${layout.size} values are too many values`);
        return this.column(layout.child, `${path}.${layout.child.name}`, layout.size * length, false, true);
      case "struct":
        validity();
        if (layout.children.length === 0) byteless();
        for (const child of layout.children) this.column(child, `${path}.${child.name}`, length, false, true);
        return;
      case "union": {
        if (this.context.version < METADATA_V5) this.#nextBuffer(fail); // V4 unions had a validity bitmap
        const typeIds = this.#nextBuffer(fail);
        need(typeIds, length, "type ids");
        const needed = layout.children.map(() => 0);
        const childOf = new Map(layout.typeIds.map((id, i) => [id, i]));
        const offsets = layout.dense ? this.#nextBuffer(fail) : undefined;
        if (offsets) need(offsets, 4 * length, "offsets");
        const offsetValues = offsets && int32s(offsets, length);
        for (let i = 0; i < length; i++) {
          const child = childOf.get(typeIds[i]) ?? fail(`value ${i} has type id ${typeIds[i]}, not one of [${layout.typeIds.join(", ")}]`);
          if (!offsetValues) continue;
          const offset = offsetValues[i];
          if (offset < 0) fail(`value ${i} has offset ${offset}`);
          if (offset + 1 > needed[child]) needed[child] = offset + 1;
        }
        layout.children.forEach((child, i) => this.column(child, `${path}.${child.name}`, layout.dense ? needed[i] : length, false, true));
        return;
      }
    }
  }

  #nextBuffer(fail: (detail: string) => never): Uint8Array {
    if (this.#buffer >= this.buffers.length) fail(`the batch has ${this.buffers.length} buffers, too few for its schema`);
    const at = this.buffers.start + 16 * this.#buffer++;
    const offset = this.fb.int64At(at);
    const length = this.fb.int64At(at + 8);
    if (offset < 0 || length < 0 || offset + length > this.body.byteLength) {
      fail(`buffer ${this.#buffer - 1} spans bytes ${offset}–${offset + length} of a ${this.body.byteLength}-byte body`);
    }
    if (offset % 8 !== 0 && length > 0) fail(`buffer ${this.#buffer - 1} starts at byte ${offset} of the body, not on an 8-byte boundary`);
    return this.body.subarray(offset, offset + length);
  }
}

/**
 * Offsets of a variable-length column: `length + 1` of them (none for an empty column), never falling, the first
 * at least 0 and the last at most `limit`. Returns the last.
 */
function checkOffsets(buffer: Uint8Array, length: number, width: 4 | 8, limit: number, what: string, fail: (detail: string) => never): number {
  if (length === 0 && buffer.byteLength === 0) return 0;
  if (buffer.byteLength < width * (length + 1)) fail(`${length} values need ${width * (length + 1)} bytes of offsets, the buffer has ${buffer.byteLength}`);
  // The same loop twice so each stays monomorphic: this is the one per-row pass over a 100k-row text column.
  let problem = -1;
  let last: number;
  if (width === 4) {
    const offsets = int32s(buffer, length + 1);
    for (let i = 1, previous = offsets[0]; i <= length; i++) {
      const next = offsets[i];
      if (next < previous) {
        problem = i;
        break;
      }
      previous = next;
    }
    last = offsets[length];
    if (offsets[0] < 0) fail(`the first offset is ${offsets[0]}`);
    if (problem > 0) fail(`offset ${problem} (${offsets[problem]}) is below offset ${problem - 1} (${offsets[problem - 1]})`);
  } else {
    const offsets = bigInt64s(buffer, length + 1);
    for (let i = 1, previous = offsets[0]; i <= length; i++) {
      const next = offsets[i];
      if (next < previous) {
        problem = i;
        break;
      }
      previous = next;
    }
    last = Number(offsets[length]);
    if (offsets[0] < 0n) fail(`the first offset is ${offsets[0]}`);
    if (problem > 0) fail(`offset ${problem} (${offsets[problem]}) is below offset ${problem - 1} (${offsets[problem - 1]})`);
  }
  if (last > limit) fail(`the last offset is ${last}, beyond the ${limit} ${what}`);
  return last;
}

/** Views of Utf8View/BinaryView: 16 bytes each; one longer than 12 bytes points into a data buffer. */
function checkViews(views: Uint8Array, length: number, validity: Uint8Array | undefined, data: Uint8Array[], fail: (detail: string) => never): void {
  const words = int32s(views, 4 * length);
  for (let i = 0; i < length; i++) {
    if (validity && !(validity[i >> 3] & (1 << (i & 7)))) continue;
    const size = words[4 * i];
    if (size < 0) fail(`view ${i} has a length of ${size}`);
    if (size <= 12) continue;
    const buffer = words[4 * i + 2];
    const offset = words[4 * i + 3];
    if (buffer < 0 || buffer >= data.length || offset < 0 || offset + size > data[buffer].byteLength) {
      fail(`view ${i} points at bytes ${offset}–${offset + size} of data buffer ${buffer} (there are ${data.length})`);
    }
  }
}

/** `count` int32s from a buffer, as a view when it is aligned (the usual case) and as a copy when it is not. */
function int32s(buffer: Uint8Array, count: number): Int32Array {
  if (buffer.byteOffset % 4 === 0) return new Int32Array(buffer.buffer, buffer.byteOffset, count);
  return new Int32Array(new Uint8Array(buffer.subarray(0, 4 * count)).buffer);
}

function bigInt64s(buffer: Uint8Array, count: number): BigInt64Array {
  if (buffer.byteOffset % 8 === 0) return new BigInt64Array(buffer.buffer, buffer.byteOffset, count);
  return new BigInt64Array(new Uint8Array(buffer.subarray(0, 8 * count)).buffer);
}

export { IpcFormatError };
