import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetTableCommand, GlueClient, Table, UpdateTableCommand } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CurationSettingsProps, DmsRawWriter } from '@cdc-lakehouse/curation';
import { mockClient } from 'aws-sdk-client-mock';
import type { AthenaTableTask } from '../src/athena';

export const RAW_BUCKET = 'raw-bucket';
export const WAREHOUSE_BUCKET = 'warehouse-bucket';

/** The Athena table task of `public.<table>` in source `orders` with raw files below `rootDir` (served as s3://raw-bucket/orders/). */
export function tableTask(table: string, settings: Partial<CurationSettingsProps> = {}): AthenaTableTask {
  return {
    name: `curated_orders.${table}`,
    settings: {
      source: { schema: 'public', table },
      curated: { database: 'curated_orders', table },
      primaryKey: ['id'],
      ...settings,
    },
    rawLocation: `s3://${RAW_BUCKET}/orders/public/${table}/`,
    rawTable: { database: 'raw_orders', table: `public__${table}` },
    curatedLocation: `s3://${WAREHOUSE_BUCKET}/curated_orders/${table}/`,
    watermarkLocation: `s3://${WAREHOUSE_BUCKET}/_watermarks/curated_orders/${table}.json`,
  };
}

/** A raw Glue table as CloudFormation registers it (bookkeeping columns only) plus fields UpdateTable must keep. */
export function rawGlueTable(table: string, extra: Partial<Table> = {}): Table {
  return {
    Name: `public__${table}`,
    DatabaseName: 'raw_orders',
    CatalogId: '111111111111',
    VersionId: '1',
    TableType: 'EXTERNAL_TABLE',
    Description: 'DMS files',
    Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
    StorageDescriptor: {
      Location: `s3://${RAW_BUCKET}/orders/public/${table}/`,
      Columns: [{ Name: 'op', Type: 'string' }, { Name: '_dms_commit_ts', Type: 'string' }, { Name: '_dms_change_seq', Type: 'string' }],
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
    ...extra,
  };
}

/** A temporary raw zone written by DmsRawWriter (root = the `orders/` folder of the raw bucket). */
export async function rawZone(): Promise<{ dir: string; writer: DmsRawWriter; cleanup: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'athena-raw-'));
  const writer = await DmsRawWriter.open({ layout: { rootDir: path.join(dir, 'orders') } });
  return { dir, writer, cleanup: () => { writer.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** The two methods of the SDK's stream body the runtime uses. */
function body(bytes: Uint8Array) {
  return {
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToString: async () => Buffer.from(bytes).toString('utf-8'),
  };
}

/**
 * Mocked S3 and Glue clients: the raw bucket is the directory `rawDir` (listing in pages of `pageSize`, ranged GETs),
 * the warehouse bucket an in-memory map; Glue holds `tables` (by `db.table`) and records UpdateTable inputs.
 */
export function fakeAws(rawDir: string, tables: Table[] = [], pageSize = 2) {
  const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const glue = new GlueClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const s3Mock = mockClient(s3);
  const glueMock = mockClient(glue);
  const objects = new Map<string, Uint8Array>();
  const catalog = new Map(tables.map((t) => [`${t.DatabaseName}.${t.Name}`, structuredClone(t)]));
  const updates: UpdateTableCommand['input'][] = [];
  const ranges: string[] = [];
  const rawKeys = (): string[] => {
    const keys: string[] = [];
    const walk = (d: string) => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p); else keys.push(path.relative(rawDir, p).split(path.sep).join('/'));
      }
    };
    walk(rawDir);
    return keys.sort();
  };
  s3Mock.on(ListObjectsV2Command).callsFake((input) => {
    if (input.Bucket !== RAW_BUCKET) throw new Error(`unexpected listing of ${input.Bucket}`);
    const keys = rawKeys().filter((k) => k.startsWith(input.Prefix ?? ''));
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + pageSize);
    const more = start + pageSize < keys.length;
    return {
      Contents: page.map((Key) => {
        const stat = fs.statSync(path.join(rawDir, Key));
        return { Key, Size: stat.size, LastModified: stat.mtime };
      }),
      IsTruncated: more,
      NextContinuationToken: more ? String(start + pageSize) : undefined,
    };
  });
  s3Mock.on(GetObjectCommand).callsFake((input) => {
    let bytes: Uint8Array | undefined;
    if (input.Bucket === RAW_BUCKET) {
      const file = path.join(rawDir, input.Key!);
      bytes = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    } else {
      bytes = objects.get(`${input.Bucket}/${input.Key}`);
    }
    if (!bytes) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    if (input.Range) {
      ranges.push(`${input.Key} ${input.Range}`);
      const [from, to] = /^bytes=(\d+)-(\d+)$/.exec(input.Range)!.slice(1).map(Number);
      bytes = bytes.subarray(from, to + 1);
    }
    return { Body: body(bytes) } as never;
  });
  s3Mock.on(PutObjectCommand).callsFake((input) => {
    objects.set(`${input.Bucket}/${input.Key}`, Buffer.from(input.Body as string));
    return {};
  });
  glueMock.on(GetTableCommand).callsFake((input) => {
    const t = catalog.get(`${input.DatabaseName}.${input.Name}`);
    if (!t) throw Object.assign(new Error(`Table ${input.Name} not found`), { name: 'EntityNotFoundException' });
    return { Table: structuredClone(t) };
  });
  glueMock.on(UpdateTableCommand).callsFake((input) => {
    updates.push(structuredClone(input));
    const key = `${input.DatabaseName}.${input.TableInput!.Name}`;
    const old = catalog.get(key)!;
    catalog.set(key, { ...old, ...input.TableInput, DatabaseName: input.DatabaseName, VersionId: String(Number(old.VersionId ?? '0') + 1) } as Table);
    return {};
  });
  return { clients: { s3, glue }, s3Mock, glueMock, objects, catalog, updates, ranges };
}
