import type { Connection, RowDataPacket } from 'mysql2/promise';
import { mysqlChecksum, mysqlColumnMd5, mysqlColumnTexts, mysqlRowText } from './mysql-verify-sql';
import { TableMetadata } from '../../../source/catalog';
import { MysqlColumnMetadata, mysqlQualifiedName, readMysqlTableMetadata } from '../../../source/mysql/mysql-catalog';
import { connectMysqlSource, endMysqlQuietly, parseMysqlUrl } from '../../../source/mysql/mysql-connection';
import { RegisteredTable } from '../../lake-database';
import { KeyedColumnHashes, KeyedHash, SourceTableLookup, VerifySource } from '../verify-source';

const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/**
 * Verify's MySQL/MariaDB side: one `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY` at REPEATABLE READ (a failed
 * statement does not end a MySQL transaction, so tables need no savepoints), values rendered under the capture's type mapping.
 */
export class MysqlVerifySource implements VerifySource {
  /** Connects to a `mysql://` or `mariadb://` URL. */
  public static async connect(url: string): Promise<MysqlVerifySource> {
    const database = parseMysqlUrl(url).database;
    return new MysqlVerifySource(await connectMysqlSource(url), database === undefined || database === '' ? undefined : database);
  }

  private constructor(private readonly db: Connection, public readonly defaultSchema: string | undefined) {}

  public async begin(): Promise<void> {
    await this.db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await this.db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  }

  public async commit(): Promise<void> {
    await this.db.query('COMMIT');
  }

  public async close(): Promise<void> {
    await endMysqlQuietly(this.db);
  }

  public async perTable<T>(read: () => Promise<T>): Promise<T> {
    return read();
  }

  public async listTables(): Promise<{ schema: string; name: string }[]> {
    const [rows] = await this.db.query<RowDataPacket[]>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES
        WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME`, [SYSTEM_DATABASES]);
    return rows.map((r) => ({ schema: String(r.s), name: String(r.t) }));
  }

  public async lookUp(table: RegisteredTable): Promise<SourceTableLookup> {
    const name = `${table.sourceSchema}.${table.sourceTable}`;
    const [rows] = await this.db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = \'BASE TABLE\'',
      [table.sourceSchema, table.sourceTable]);
    if (Number(rows[0].n) === 0) {
      return { status: 'differs', problem: `the source has no table ${name} (dropped or renamed since it was captured, or the user in --source cannot see it?)` };
    }
    const selector = `"${table.sourceSchema.split('"').join('""')}"."${table.sourceTable.split('"').join('""')}"`;
    const [meta] = await readMysqlTableMetadata(this.db, [selector], { requirePrimaryKey: false });
    return { meta };
  }

  public async columnTexts(meta: TableMetadata, lakeTypes: readonly string[]): Promise<string[]> {
    return mysqlColumnTexts(meta.columns as readonly MysqlColumnMetadata[], lakeTypes);
  }

  public async countAndChecksum(meta: TableMetadata, texts: readonly string[]): Promise<{ rows: number; checksum: string }> {
    const [rows] = await this.db.query<RowDataPacket[]>(
      `SELECT CAST(COUNT(*) AS CHAR) AS \`rows\`, ${mysqlChecksum(mysqlRowText(texts))} AS checksum FROM ${relation(meta)}`);
    return { rows: Number(rows[0].rows), checksum: String(rows[0].checksum) };
  }

  public async keysAndHashes(meta: TableMetadata, keyTexts: readonly string[], texts: readonly string[], wholeRowKey: boolean): Promise<KeyedHash[]> {
    const hash = wholeRowKey ? "''" : `MD5(${mysqlRowText(texts)})`;
    const [rows] = await this.db.query<RowDataPacket[]>(`SELECT ${mysqlRowText(keyTexts)} AS k, ${hash} AS h FROM ${relation(meta)}`);
    return rows.map((r) => ({ k: String(r.k), h: String(r.h) }));
  }

  public async columnHashes(
    meta: TableMetadata, keyTexts: readonly string[], texts: readonly string[], keys: readonly string[],
  ): Promise<KeyedColumnHashes[]> {
    if (keys.length === 0) return [];
    const key = mysqlRowText(keyTexts);
    // one hash per column, joined by a comma (hashes are hex)
    const [rows] = await this.db.query<RowDataPacket[]>(
      `SELECT ${key} AS k, CONCAT_WS(',', ${texts.map(mysqlColumnMd5).join(', ')}) AS c FROM ${relation(meta)} WHERE ${key} IN (?)`, [keys]);
    return rows.map((r) => ({ k: String(r.k), c: String(r.c).split(',') }));
  }
}

function relation(meta: TableMetadata): string {
  return mysqlQualifiedName(meta.source.schema, meta.source.table);
}
