import { ValueKind } from './types';

const INTEGER = new Set([
  'tinyint', 'smallint', 'int', 'integer', 'bigint', 'hugeint', 'uhugeint', 'utinyint', 'usmallint', 'uinteger', 'ubigint',
  'int1', 'int2', 'int4', 'int8', 'int16', 'int32', 'int64', 'int128', 'long', 'short', 'byte', 'varint', 'bignum',
]);
const FLOAT = new Set(['real', 'float', 'double', 'float4', 'float8', 'double precision']);
const BOOLEAN = new Set(['boolean', 'bool', 'logical']);
const BINARY = new Set(['varbinary', 'binary', 'blob', 'bytea', 'bytes']);
const NESTED = /^(array|map|row|struct|list|union|variant|json)\b|\[\d*\]$/;

/**
 * Maps an engine's type name (Athena, Trino, DuckDB, Spark) to a value kind: `bigint` and `BIGINT` -> integer,
 * `decimal(38,9)` -> decimal, `timestamp(3) with time zone` -> timestamp, `array(integer)`, `INTEGER[]`,
 * `struct<a:int>`, `row(a integer)`, `map(varchar, bigint)` and `json` -> json. Anything unknown is text.
 */
export function kindOfType(type: string): ValueKind {
  const name = type.trim().toLowerCase().replace(/\s+/g, ' ');
  if (NESTED.test(name)) return 'json';
  // the bare name: `decimal(10,2)` -> `decimal`, `timestamp(6) with time zone` -> `timestamp with time zone`
  const bare = name.replace(/\s*\([^)]*\)/g, '').trim();
  if (INTEGER.has(bare)) return 'integer';
  if (FLOAT.has(bare)) return 'float';
  if (bare === 'decimal' || bare === 'numeric' || bare === 'dec' || bare === 'number') return 'decimal';
  if (BOOLEAN.has(bare)) return 'boolean';
  if (BINARY.has(bare)) return 'binary';
  if (bare === 'date') return 'date';
  if (bare.startsWith('timestamp') || bare === 'datetime') return 'timestamp';
  if (bare.startsWith('time')) return 'time';
  return 'text';
}
