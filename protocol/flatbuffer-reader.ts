/**
 * Bounds-checked reads of one FlatBuffer (an Arrow IPC message's metadata).
 *
 * The FlatBuffers runtime trusts its input: a vector whose length field was flipped to 335,544,320 is walked entry by
 * entry, reading past the end as zeros (issue 9: one changed byte in a 336-byte body took 16–82 s to decode). Every
 * read here is checked against the buffer first, and the walk has a budget proportional to the buffer's size, so
 * shared sub-objects cannot multiply the work either. Failures are `IpcFormatError`s that say what was expected.
 * @internal
 */
export class IpcFormatError extends Error {}

/** A table's position, its vtable and the inline size the vtable declares. */
export interface FlatTable {
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly tableSize: number;
}

/** A vector's first element and its element count. */
export interface FlatVector {
  readonly start: number;
  readonly length: number;
}

const decoder = new TextDecoder("utf-8", { fatal: false });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class FlatBufferReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #where: string;
  /** Bytes of tables, strings and vectors still allowed to be visited (each is visited once in a well-formed buffer). */
  #budget: number;

  constructor(bytes: Uint8Array, where: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#where = where;
    this.#budget = 2 * bytes.byteLength + 1024;
  }

  /** The root table (a uoffset at position 0). */
  root(): FlatTable {
    return this.table(this.#target(0, "the root offset"));
  }

  table(pos: number): FlatTable {
    this.#need(pos, 4, "a table");
    const vtable = pos - this.#view.getInt32(pos, true);
    this.#need(vtable, 4, "a vtable");
    const vtableSize = this.#view.getInt16(vtable, true);
    const tableSize = this.#view.getInt16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(`the vtable at byte ${vtable} declares ${vtableSize} bytes (expected an even number >= 4)`);
    if (tableSize < 4) this.fail(`the table at byte ${pos} declares ${tableSize} bytes (expected >= 4)`);
    this.#need(vtable, vtableSize, "a vtable");
    this.#need(pos, tableSize, "a table");
    this.#spend(tableSize);
    return { pos, vtable, vtableSize, tableSize };
  }

  /** Absolute position of field `slot` (of `size` inline bytes), or 0 when absent. */
  field(table: FlatTable, slot: number, size: number): number {
    const entry = 4 + 2 * slot;
    if (entry >= table.vtableSize) return 0;
    const offset = this.#view.getInt16(table.vtable + entry, true);
    if (offset === 0) return 0;
    if (offset < 4 || offset + size > table.tableSize) this.fail(`field ${slot} of the table at byte ${table.pos} lies at offset ${offset}, outside the table's ${table.tableSize} bytes`);
    return table.pos + offset;
  }

  int8(table: FlatTable, slot: number, absent: number): number {
    const at = this.field(table, slot, 1);
    return at ? this.#view.getInt8(at) : absent;
  }

  uint8(table: FlatTable, slot: number, absent: number): number {
    const at = this.field(table, slot, 1);
    return at ? this.#view.getUint8(at) : absent;
  }

  int16(table: FlatTable, slot: number, absent: number): number {
    const at = this.field(table, slot, 2);
    return at ? this.#view.getInt16(at, true) : absent;
  }

  int32(table: FlatTable, slot: number, absent: number): number {
    const at = this.field(table, slot, 4);
    return at ? this.#view.getInt32(at, true) : absent;
  }

  /** An int64 field as a number; one beyond 2^53 is refused (no length or offset in a body can be that large). */
  int64(table: FlatTable, slot: number, absent: number): number {
    const at = this.field(table, slot, 8);
    return at ? this.int64At(at) : absent;
  }

  int64At(at: number): number {
    this.#need(at, 8, "an int64");
    const value = this.#view.getBigInt64(at, true);
    if (value > MAX_SAFE || value < -MAX_SAFE) this.fail(`the int64 at byte ${at} is ${value}, beyond 2^53`);
    return Number(value);
  }

  int32At(at: number): number {
    return this.#view.getInt32(at, true);
  }

  /** The table a field refers to, or undefined when the field is absent. */
  subTable(table: FlatTable, slot: number): FlatTable | undefined {
    const at = this.field(table, slot, 4);
    return at ? this.table(this.#target(at, `field ${slot}`)) : undefined;
  }

  /** A string field's text, or undefined when absent. */
  string(table: FlatTable, slot: number): string | undefined {
    const at = this.field(table, slot, 4);
    if (!at) return undefined;
    const { start, length } = this.#vectorAt(this.#target(at, `field ${slot}`), 1, "a string");
    return decoder.decode(this.#bytes.subarray(start, start + length));
  }

  /** A vector field of `elementSize`-byte elements (4 for tables); absent is empty. */
  vector(table: FlatTable, slot: number, elementSize: number): FlatVector {
    const at = this.field(table, slot, 4);
    return at ? this.#vectorAt(this.#target(at, `field ${slot}`), elementSize, "a vector") : { start: 0, length: 0 };
  }

  /** Element `i` of a vector of tables. */
  tableAt(vector: FlatVector, i: number): FlatTable {
    return this.table(this.#target(vector.start + 4 * i, "a vector element"));
  }

  fail(detail: string): never {
    throw new IpcFormatError(`${this.#where}: ${detail}`);
  }

  #vectorAt(pos: number, elementSize: number, what: string): FlatVector {
    this.#need(pos, 4, what);
    const length = this.#view.getInt32(pos, true);
    if (length < 0) this.fail(`${what} at byte ${pos} declares ${length} elements`);
    this.#need(pos + 4, length * elementSize, `${what} of ${length} elements`);
    this.#spend(length * elementSize);
    return { start: pos + 4, length };
  }

  /** Follows the uoffset stored at `at`; FlatBuffers offsets point forward. */
  #target(at: number, what: string): number {
    this.#need(at, 4, what);
    const offset = this.#view.getInt32(at, true);
    if (offset <= 0) this.fail(`${what} at byte ${at} points back to byte ${at + offset} (offsets point forward)`);
    return at + offset;
  }

  #need(pos: number, size: number, what: string): void {
    if (pos < 0 || size < 0 || pos + size > this.#bytes.byteLength) {
      this.fail(`${what} at byte ${pos} (${size} bytes) runs past the end of the ${this.#bytes.byteLength}-byte metadata`);
    }
  }

  #spend(bytes: number): void {
    this.#budget -= bytes;
    if (this.#budget < 0) this.fail(`its objects are shared so often that reading them means visiting over twice its ${this.#bytes.byteLength} bytes`);
  }
}
