import { DuckDBConnection } from '@duckdb/node-api';
import { Client } from 'pg';
import { SpecialValues, sourceMd5 } from './postgres-verify-sql';
import { TableMetadata, qualifiedName, readTableMetadata } from '../../../source/catalog';
import { connectSource, endQuietly } from '../../../source/connection';
import { RegisteredTable } from '../../lake-database';
import { wideRowText } from '../../verify-row-text';
import { KeyedColumnHashes, KeyedHash, SourceTableLookup, VerifySource } from '../verify-source';

/** Verify's PostgreSQL side: one REPEATABLE READ READ ONLY transaction, a savepoint per table. */
export class PostgresVerifySource implements VerifySource {
  /** Connects to `url`; `lake` renders NaN and ±infinity as capture stores them. */
  public static async connect(url: string, lake: DuckDBConnection): Promise<PostgresVerifySource> {
    return new PostgresVerifySource(await connectSource({ url, applicationName: 'lakehouse-verify' }), lake);
  }

  public readonly defaultSchema = 'public';
  private readonly specials: SpecialValues;

  private constructor(private readonly client: Client, lake: DuckDBConnection) {
    this.specials = new SpecialValues(lake);
  }

  public async begin(): Promise<void> {
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  public async commit(): Promise<void> {
    await this.client.query('COMMIT');
  }

  public async close(): Promise<void> {
    await endQuietly(this.client);
  }

  public async perTable<T>(read: () => Promise<T>): Promise<T> {
    await this.client.query('SAVEPOINT verify_table');
    try {
      const result = await read();
      await this.client.query('RELEASE SAVEPOINT verify_table');
      return result;
    } catch (err) {
      // a lost connection fails the rollback and ends the run
      await this.client.query('ROLLBACK TO SAVEPOINT verify_table');
      throw err;
    }
  }

  public async listTables(): Promise<{ schema: string; name: string }[]> {
    return (await this.client.query<{ schema: string; name: string }>(`
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
 ORDER BY 1, 2`)).rows;
  }

  public async lookUp(table: RegisteredTable): Promise<SourceTableLookup> {
    const name = `${table.sourceSchema}.${table.sourceTable}`;
    const exists = await this.client.query<{ readable: boolean; columns: number }>(`
SELECT has_table_privilege(c.oid, 'SELECT') AS readable,
       (SELECT count(*)::int FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, [table.sourceSchema, table.sourceTable]);
    if (exists.rows.length === 0) return { status: 'differs', problem: `the source has no table ${name} (dropped or renamed since it was captured?)` };
    if (!exists.rows[0].readable) {
      return {
        status: 'error',
        problem: `the source user cannot read it; GRANT SELECT ON ${qualifiedName(table.sourceSchema, table.sourceTable)} TO the user in --source`,
      };
    }
    if (exists.rows[0].columns === 0) return { status: 'differs', problem: `the source table ${name} has no columns (all dropped since it was captured?)` };
    const [meta] = await readTableMetadata(this.client, [qualifiedName(table.sourceSchema, table.sourceTable)], { requireRowIdentity: false });
    return { meta };
  }

  public async columnTexts(meta: TableMetadata, lakeTypes: readonly string[]): Promise<string[]> {
    const texts: string[] = [];
    for (const [i, column] of meta.columns.entries()) texts.push(await this.specials.sourceText(column, lakeTypes[i]));
    return texts;
  }

  public async countAndChecksum(meta: TableMetadata, texts: readonly string[]): Promise<{ rows: number; checksum: string }> {
    const row = (await this.client.query<{ rows: string; checksum: string }>(
      `SELECT count(*)::text AS rows, COALESCE(sum(('x' || substr(${sourceMd5(wideRowText(texts))}, 1, 15))::bit(60)::int8), 0)::text AS checksum `
      + `FROM ${relation(meta)}`)).rows[0];
    return { rows: Number(row.rows), checksum: row.checksum };
  }

  public async keysAndHashes(meta: TableMetadata, keyTexts: readonly string[], texts: readonly string[], wholeRowKey: boolean): Promise<KeyedHash[]> {
    const hash = wholeRowKey ? "''" : sourceMd5(wideRowText(texts));
    return (await this.client.query<KeyedHash>(`SELECT ${wideRowText(keyTexts)} AS k, ${hash} AS h FROM ${relation(meta)}`)).rows;
  }

  public async columnHashes(
    meta: TableMetadata, keyTexts: readonly string[], texts: readonly string[], keys: readonly string[],
  ): Promise<KeyedColumnHashes[]> {
    const key = wideRowText(keyTexts);
    const hashes = texts.map((t) => sourceMd5(`COALESCE(${t}, chr(2))`)).join(', ');
    return (await this.client.query<KeyedColumnHashes>(
      `SELECT ${key} AS k, ARRAY[${hashes}] AS c FROM ${relation(meta)} WHERE ${key} = ANY($1::text[])`, [keys])).rows;
  }
}

function relation(meta: TableMetadata): string {
  return qualifiedName(meta.source.schema, meta.source.table);
}
