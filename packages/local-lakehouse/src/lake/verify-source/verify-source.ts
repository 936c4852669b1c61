import { TableMetadata } from '../../source/catalog';
import { RegisteredTable } from '../lake-database';
import { VerifyStatus } from '../verify-report';

/*
 * The source side of verify, one implementation per source engine (postgres/, mysql/): it reads the source in one consistent
 * snapshot and renders every value in SQL the way capture stores it, so that verify.ts compares without knowing the engine.
 */

/** A source table verify can compare (its columns as capture maps them), or why it cannot. */
export type SourceTableLookup =
  | { readonly meta: TableMetadata }
  | { readonly status: VerifyStatus; readonly problem: string };

/** One row's key text and hash (`''` when the key is the whole row). */
export interface KeyedHash {
  readonly k: string;
  readonly h: string;
}

/** One row's key text and the hash of each column's text, in column order. */
export interface KeyedColumnHashes {
  readonly k: string;
  readonly c: readonly string[];
}

/** The source database as verify reads it. */
export interface VerifySource {
  /** How a table selector without schema is read: `public`, or the database a MySQL URL names. */
  readonly defaultSchema: string | undefined;
  /** Opens the one read-only snapshot every table is compared in. */
  begin(): Promise<void>;
  /** Ends the snapshot. */
  commit(): Promise<void>;
  /** Releases the connection (without throwing). */
  close(): Promise<void>;
  /** Runs one table's reads; when they fail the snapshot stays usable for the next table (the error is rethrown). */
  perTable<T>(read: () => Promise<T>): Promise<T>;
  /** Every table of the source, for `--tables` selectors that match no curated table. */
  listTables(): Promise<{ readonly schema: string; readonly name: string }[]>;
  /** The source table of a curated table, with its columns; or `differs`/`error` and why. */
  lookUp(table: RegisteredTable): Promise<SourceTableLookup>;
  /**
   * SQL rendering each column of `meta` as lakeChecksumText (source/type-mapping.ts) renders the lake column of type `lakeTypes[i]`, under
   * the capture's type mapping (NULL stays NULL).
   */
  columnTexts(meta: TableMetadata, lakeTypes: readonly string[]): Promise<string[]>;
  /** Row count and the order-independent checksum (sum of the first 60 bits of each row text's MD5, as decimal text). */
  countAndChecksum(meta: TableMetadata, texts: readonly string[]): Promise<{ readonly rows: number; readonly checksum: string }>;
  /** Every row's key text and the MD5 of its row text (`''` when `wholeRowKey`). */
  keysAndHashes(meta: TableMetadata, keyTexts: readonly string[], texts: readonly string[], wholeRowKey: boolean): Promise<KeyedHash[]>;
  /** The rows with the given key texts: the MD5 of each column's text (NULL as chr(2)). */
  columnHashes(meta: TableMetadata, keyTexts: readonly string[], texts: readonly string[], keys: readonly string[]): Promise<KeyedColumnHashes[]>;
}
