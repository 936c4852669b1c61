import type { ColumnType } from '@cdc-lakehouse/curation';
import { CompactReader, CompactType } from './thrift-compact';

/** Parquet physical types (parquet.thrift `Type`). */
const PHYSICAL = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'] as const;
type Physical = typeof PHYSICAL[number];

/** Legacy converted types used here (parquet.thrift `ConvertedType`). */
const CONVERTED: Record<number, string> = {
  0: 'UTF8',
  1: 'MAP',
  3: 'LIST',
  4: 'ENUM',
  5: 'DECIMAL',
  6: 'DATE',
  7: 'TIME_MILLIS',
  8: 'TIME_MICROS',
  9: 'TIMESTAMP_MILLIS',
  10: 'TIMESTAMP_MICROS',
  11: 'UINT_8',
  12: 'UINT_16',
  13: 'UINT_32',
  14: 'UINT_64',
  15: 'INT_8',
  16: 'INT_16',
  17: 'INT_32',
  18: 'INT_64',
  19: 'JSON',
  20: 'BSON',
  21: 'INTERVAL',
};

/** A logical type annotation (parquet.thrift `LogicalType` union), reduced to what the mapping needs. */
type Logical =
  | { kind: 'STRING' | 'ENUM' | 'JSON' | 'BSON' | 'UUID' | 'DATE' | 'MAP' | 'LIST' | 'FLOAT16' | 'UNKNOWN' | 'OTHER' }
  | { kind: 'DECIMAL'; scale: number; precision: number }
  | { kind: 'TIME'; unit: TimeUnit }
  | { kind: 'TIMESTAMP'; unit: TimeUnit; utc: boolean }
  | { kind: 'INTEGER'; bitWidth: number; signed: boolean };
type TimeUnit = 'MILLIS' | 'MICROS' | 'NANOS';

/** One top-level column of a Parquet file. */
export interface ParquetColumn {
  readonly name: string;
  /** The type the curated table (and the raw Glue table) gets; `undefined` when no plan type holds it. */
  readonly type: ColumnType | undefined;
  /** The file's own spelling, for messages: `INT64 TIMESTAMP(MILLIS)`, `FIXED_LEN_BYTE_ARRAY DECIMAL(12,2)`, `group`. */
  readonly parquetType: string;
  /** Smallest and largest value over the row groups, where every row group has statistics; numbers in the column's unit. */
  readonly range?: { readonly min: bigint; readonly max: bigint; readonly unit: 'day' | 'ms' | 'us' | 'ns' | 'int' };
  /** For a string column: smallest and largest value over the row groups (UTF-8 byte order), where every row group has statistics. */
  readonly textRange?: { readonly min: string; readonly max: string };
}

/** What the footer says: top-level columns and the row count. */
export interface ParquetFooter {
  readonly columns: readonly ParquetColumn[];
  readonly numRows: number;
}

interface SchemaElement {
  type?: Physical;
  typeLength?: number;
  name: string;
  numChildren?: number;
  converted?: string;
  scale?: number;
  precision?: number;
  logical?: Logical;
}

/** The `PAR1` magic ending every Parquet file, after the 4-byte little-endian footer length. */
export const PARQUET_MAGIC = 'PAR1';

/** Footer length from a file's last 8 bytes; throws a one-line error when they are not a Parquet tail. */
export function footerLength(tail: Uint8Array, file: string): number {
  if (tail.length < 8 || new TextDecoder().decode(tail.subarray(tail.length - 4)) !== PARQUET_MAGIC) {
    throw new Error(`${file}: not a Parquet file (no PAR1 at its end); move it out of the raw zone or replace it with the file DMS wrote`);
  }
  return new DataView(tail.buffer, tail.byteOffset + tail.length - 8, 4).getUint32(0, true);
}

/** Parses a footer (the FileMetaData bytes, without length and magic). */
export function parseParquetFooter(bytes: Uint8Array): ParquetFooter {
  const r = new CompactReader(bytes);
  const schema: SchemaElement[] = [];
  let numRows = 0;
  const stats = new Map<string, { min?: Uint8Array; max?: Uint8Array }[]>();
  let rowGroups = 0;
  r.readStruct((id, type) => {
    if (id === 2 && type === CompactType.LIST) {
      r.readList(() => schema.push(readSchemaElement(r)));
      return true;
    }
    if (id === 3 && type === CompactType.I64) {
      numRows = Number(r.i64());
      return true;
    }
    if (id === 4 && type === CompactType.LIST) {
      r.readList(() => {
        rowGroups++;
        readRowGroupStats(r, stats);
      });
      return true;
    }
    return false;
  });
  if (schema.length === 0) throw new Error('Parquet footer without a schema');
  const columns: ParquetColumn[] = [];
  let index = 1;
  const topLevel = schema[0].numChildren ?? 0;
  for (let c = 0; c < topLevel && index < schema.length; c++) {
    const element = schema[index];
    index = skipSubtree(schema, index);
    if (element.numChildren !== undefined && element.numChildren > 0) {
      columns.push({ name: element.name, type: undefined, parquetType: 'group (nested)' });
      continue;
    }
    const perGroup = stats.get(element.name) ?? [];
    const type = planType(element);
    const textRange = type === 'string' ? textRangeOf(perGroup, rowGroups) : undefined;
    const range = rangeOf(element, perGroup, rowGroups);
    columns.push({ name: element.name, type, parquetType: describe(element), range, ...(textRange ? { textRange } : {}) });
  }
  return { columns, numRows };
}

function skipSubtree(schema: readonly SchemaElement[], index: number): number {
  const children = schema[index].numChildren ?? 0;
  let next = index + 1;
  for (let i = 0; i < children; i++) next = skipSubtree(schema, next);
  return next;
}

function readSchemaElement(r: CompactReader): SchemaElement {
  const e: SchemaElement = { name: '' };
  r.readStruct((id, type) => {
    switch (id) {
      case 1: e.type = PHYSICAL[r.i32()]; return true;
      case 2: e.typeLength = r.i32(); return true;
      case 4: e.name = r.string(); return true;
      case 5: e.numChildren = r.i32(); return true;
      case 6: e.converted = CONVERTED[r.i32()] ?? 'OTHER'; return true;
      case 7: e.scale = r.i32(); return true;
      case 8: e.precision = r.i32(); return true;
      case 10:
        if (type !== CompactType.STRUCT) return false;
        e.logical = readLogical(r);
        return true;
      default: return false;
    }
  });
  return e;
}

function readLogical(r: CompactReader): Logical {
  let logical: Logical = { kind: 'OTHER' };
  const simple: Record<number, Logical['kind']> = {
    1: 'STRING', 2: 'MAP', 3: 'LIST', 4: 'ENUM', 6: 'DATE', 11: 'UNKNOWN', 12: 'JSON', 13: 'BSON', 14: 'UUID', 15: 'FLOAT16',
  };
  r.readStruct((id) => {
    if (simple[id]) {
      logical = { kind: simple[id] } as Logical;
      return false; // an empty struct: skipped
    }
    if (id === 5) {
      const d = { kind: 'DECIMAL' as const, scale: 0, precision: 0 };
      r.readStruct((f) => (f === 1 ? ((d.scale = r.i32()), true) : f === 2 ? ((d.precision = r.i32()), true) : false));
      logical = d;
      return true;
    }
    if (id === 7 || id === 8) {
      const t = { utc: false, unit: 'MICROS' as TimeUnit };
      r.readStruct((f, type) => {
        if (f === 1) {
          t.utc = r.bool(type);
          return true;
        }
        if (f === 2) {
          r.readStruct((u) => {
            t.unit = u === 1 ? 'MILLIS' : u === 2 ? 'MICROS' : 'NANOS';
            return false;
          });
          return true;
        }
        return false;
      });
      logical = id === 7 ? { kind: 'TIME', unit: t.unit } : { kind: 'TIMESTAMP', unit: t.unit, utc: t.utc };
      return true;
    }
    if (id === 10) {
      const i = { kind: 'INTEGER' as const, bitWidth: 32, signed: true };
      r.readStruct((f, type) => {
        if (f === 1) {
          // bitWidth is an i8 (compact BYTE: one raw byte)
          i.bitWidth = type === CompactType.BYTE ? r.i8() : r.i32();
          return true;
        }
        if (f === 2) {
          i.signed = r.bool(type);
          return true;
        }
        return false;
      });
      logical = i;
      return true;
    }
    return false;
  });
  return logical;
}

function readRowGroupStats(r: CompactReader, stats: Map<string, { min?: Uint8Array; max?: Uint8Array }[]>): void {
  r.readStruct((id, type) => {
    if (id !== 1 || type !== CompactType.LIST) return false;
    r.readList(() => {
      r.readStruct((chunkField, chunkType) => {
        if (chunkField !== 3 || chunkType !== CompactType.STRUCT) return false;
        let path: string[] = [];
        let min: Uint8Array | undefined;
        let max: Uint8Array | undefined;
        r.readStruct((metaField, metaType) => {
          if (metaField === 3 && metaType === CompactType.LIST) {
            path = [];
            r.readList(() => path.push(r.string()));
            return true;
          }
          if (metaField === 12 && metaType === CompactType.STRUCT) {
            // Statistics: 1 max, 2 min (legacy), 5 max_value, 6 min_value (preferred)
            r.readStruct((s) => {
              if (s === 6 || (s === 2 && min === undefined)) min = r.binary();
              else if (s === 5 || (s === 1 && max === undefined)) max = r.binary();
              else return false;
              return true;
            });
            return true;
          }
          return false;
        });
        if (path.length === 1) {
          const list = stats.get(path[0]) ?? [];
          list.push({ min, max });
          stats.set(path[0], list);
        }
        return true;
      });
    });
    return true;
  });
}

/** The plan type of a leaf column, following the local engines (packages/curation duckdb-dialect) and the Glue job's rules. */
function planType(e: SchemaElement): ColumnType | undefined {
  const logical = e.logical;
  const decimal = logical?.kind === 'DECIMAL' ? logical : e.converted === 'DECIMAL' ? { precision: e.precision ?? 0, scale: e.scale ?? 0 } : undefined;
  if (decimal) {
    return decimal.precision >= 1 && decimal.precision <= 38 && decimal.scale <= decimal.precision ? `decimal(${decimal.precision},${decimal.scale})` : undefined;
  }
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32': {
      if (logical?.kind === 'DATE' || e.converted === 'DATE') return 'date';
      if (logical?.kind === 'TIME' || e.converted === 'TIME_MILLIS') return undefined;
      const unsigned32 = (logical?.kind === 'INTEGER' && !logical.signed && logical.bitWidth === 32) || e.converted === 'UINT_32';
      return unsigned32 ? 'bigint' : 'int';
    }
    case 'INT64':
      if (logical?.kind === 'TIMESTAMP' || e.converted === 'TIMESTAMP_MILLIS' || e.converted === 'TIMESTAMP_MICROS') return 'timestamp';
      if (logical?.kind === 'TIME' || e.converted === 'TIME_MICROS') return undefined;
      if ((logical?.kind === 'INTEGER' && !logical.signed) || e.converted === 'UINT_64') return undefined; // no unsigned 64-bit type
      return 'bigint';
    case 'INT96':
      return 'timestamp';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'BYTE_ARRAY':
      if (logical && ['STRING', 'ENUM', 'JSON'].includes(logical.kind)) return 'string';
      if (e.converted && ['UTF8', 'ENUM', 'JSON'].includes(e.converted)) return 'string';
      return logical && logical.kind !== 'BSON' ? undefined : 'binary';
    case 'FIXED_LEN_BYTE_ARRAY':
      return logical ? undefined : 'binary'; // UUID, FLOAT16, INTERVAL: no plan type
    default:
      return undefined;
  }
}

function describe(e: SchemaElement): string {
  const l = e.logical;
  const annotation = !l ? e.converted
    : l.kind === 'DECIMAL' ? `DECIMAL(${l.precision},${l.scale})`
      : l.kind === 'TIMESTAMP' || l.kind === 'TIME' ? `${l.kind}(${l.unit})`
        : l.kind === 'INTEGER' ? `INTEGER(${l.bitWidth},${l.signed ? 'signed' : 'unsigned'})` : l.kind;
  return annotation ? `${e.type} ${annotation}` : `${e.type}`;
}

function rangeOf(e: SchemaElement, groups: readonly { min?: Uint8Array; max?: Uint8Array }[], rowGroups: number): ParquetColumn['range'] {
  if (rowGroups === 0 || groups.length !== rowGroups || groups.some((g) => !g.min || !g.max)) return undefined;
  const l = e.logical;
  let unit: NonNullable<ParquetColumn['range']>['unit'];
  if (e.type === 'INT32' && (l?.kind === 'DATE' || e.converted === 'DATE')) {unit = 'day';} else if (e.type === 'INT64' && (l?.kind === 'TIMESTAMP' || e.converted?.startsWith('TIMESTAMP_'))) {
    const u = l?.kind === 'TIMESTAMP' ? l.unit : e.converted === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS';
    unit = u === 'MILLIS' ? 'ms' : u === 'MICROS' ? 'us' : 'ns';
  } else if ((e.type === 'INT32' || e.type === 'INT64') && !l && (!e.converted || e.converted.startsWith('INT_'))) {unit = 'int';} else {return undefined;}
  const read = (b: Uint8Array): bigint => {
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    return b.length >= 8 ? view.getBigInt64(0, true) : BigInt(view.getInt32(0, true));
  };
  const mins = groups.map((g) => read(g.min!));
  const maxs = groups.map((g) => read(g.max!));
  return { min: mins.reduce((a, b) => (b < a ? b : a)), max: maxs.reduce((a, b) => (b > a ? b : a)), unit };
}

function textRangeOf(groups: readonly { min?: Uint8Array; max?: Uint8Array }[], rowGroups: number): ParquetColumn['textRange'] {
  if (rowGroups === 0 || groups.length !== rowGroups || groups.some((g) => !g.min || !g.max)) return undefined;
  const decoder = new TextDecoder();
  const mins = groups.map((g) => decoder.decode(g.min!));
  const maxs = groups.map((g) => decoder.decode(g.max!));
  return { min: mins.reduce((a, b) => (b < a ? b : a)), max: maxs.reduce((a, b) => (b > a ? b : a)) };
}
