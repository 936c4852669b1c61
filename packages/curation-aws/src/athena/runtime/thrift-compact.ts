/* eslint-disable no-bitwise */ // a binary decoder: bit operations are its job
/**
 * A minimal reader of Thrift's compact protocol, enough to walk a Parquet footer (FileMetaData): structs are read
 * field by field, the caller picks the fields it knows and skips the rest. No code generation, no dependency.
 */

/** Compact-protocol type ids. */
export const enum CompactType {
  STOP = 0, TRUE = 1, FALSE = 2, BYTE = 3, I16 = 4, I32 = 5, I64 = 6, DOUBLE = 7, BINARY = 8, LIST = 9, SET = 10, MAP = 11, STRUCT = 12,
}

/** A cursor over a Thrift compact-encoded buffer. */
export class CompactReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Reads a struct: calls `onField(id, type)` for each field; `onField` reads the value or returns false to skip it. */
  readStruct(onField: (id: number, type: CompactType) => boolean): void {
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      const type = (header & 0x0f) as CompactType;
      if (type === CompactType.STOP) return;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag32() : lastId + delta;
      lastId = id;
      if (!onField(id, type)) this.skip(type);
    }
  }

  /** Reads a list header: element type and count. */
  listHeader(): { type: CompactType; size: number } {
    const header = this.byte();
    const small = header >> 4;
    return { type: (header & 0x0f) as CompactType, size: small === 15 ? this.varint() : small };
  }

  /** A list of structs / values: calls `onItem(i, type)` per element. */
  readList(onItem: (index: number, type: CompactType) => void): void {
    const { type, size } = this.listHeader();
    for (let i = 0; i < size; i++) onItem(i, type);
  }

  /** A compact BYTE: one raw (signed) byte. */
  i8(): number {
    const b = this.byte();
    return b > 127 ? b - 256 : b;
  }

  i32(): number {
    return this.zigzag32();
  }

  i64(): bigint {
    const v = this.varintBig();
    return (v >> 1n) ^ -(v & 1n);
  }

  binary(): Uint8Array {
    const length = this.varint();
    this.need(length);
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  string(): string {
    return new TextDecoder().decode(this.binary());
  }

  /** A boolean field's value is in its type id; a boolean list element is one byte. */
  bool(type: CompactType): boolean {
    if (type === CompactType.TRUE) return true;
    if (type === CompactType.FALSE) return false;
    return this.byte() === CompactType.TRUE;
  }

  /** Skips a value of `type`. */
  skip(type: CompactType): void {
    switch (type) {
      case CompactType.TRUE:
      case CompactType.FALSE:
        return;
      case CompactType.BYTE:
        this.byte();
        return;
      case CompactType.I16:
      case CompactType.I32:
      case CompactType.I64:
        this.varintBig();
        return;
      case CompactType.DOUBLE:
        this.need(8);
        this.offset += 8;
        return;
      case CompactType.BINARY:
        this.binary();
        return;
      case CompactType.LIST:
      case CompactType.SET: {
        const { type: element, size } = this.listHeader();
        for (let i = 0; i < size; i++) this.skip(element === CompactType.TRUE || element === CompactType.FALSE ? CompactType.BYTE : element);
        return;
      }
      case CompactType.MAP: {
        const size = this.varint();
        if (size === 0) return;
        const kinds = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip((kinds >> 4) as CompactType);
          this.skip((kinds & 0x0f) as CompactType);
        }
        return;
      }
      case CompactType.STRUCT:
        this.readStruct(() => false);
        return;
      default:
        throw new Error(`Thrift compact: unknown type ${type as number} at byte ${this.offset}`);
    }
  }

  private byte(): number {
    this.need(1);
    return this.bytes[this.offset++];
  }

  private varint(): number {
    return Number(this.varintBig());
  }

  private zigzag32(): number {
    const v = this.varint();
    return (v >>> 1) ^ -(v & 1);
  }

  private varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error(`Thrift compact: varint too long at byte ${this.offset}`);
    }
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new Error(`Thrift compact: truncated footer (need ${n} bytes at ${this.offset} of ${this.bytes.length})`);
  }
}
