import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CreateDatabaseCommand, CreateTableCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ColumnDefinition, RawChange } from '@cdc-lakehouse/curation';
import { RAW_BUCKET, rawGlueTable, rawZone, tableTask, WAREHOUSE_BUCKET } from './athena-helpers';
import type { PreparedBatch } from '../src/athena/runtime/events';
import { handle } from '../src/athena/runtime/handler';

/**
 * The runtime through the real AWS SDK against moto_server (on the machine image): S3 listing (more than one page),
 * ranged footer reads, the watermark object, Glue GetTable / UpdateTable.
 */
const table = { schema: 'public', table: 'items' };
const columns: ColumnDefinition[] = [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }];
const insert = (id: number, name: string): RawChange => ({ op: 'I', commitTimestamp: '2024-01-01 00:00:00.000000', changeSequence: '', values: { id, name } });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`moto_server exited with ${server.exitCode}: ${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`moto_server did not answer on ${url} within 30 s: ${log()}`);
}

describe('Athena curation runtime against moto_server', () => {
  let server: ChildProcess;
  let output = '';
  let s3: S3Client;
  let glue: GlueClient;
  let zone: Awaited<ReturnType<typeof rawZone>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    if (spawnSync('moto_server', ['--help']).status !== 0) {
      throw new Error('moto_server is not on PATH: it comes with the machine image\'s Python (pip install "moto[server]")');
    }
    const port = await freePort();
    server = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => { output = (output + d).slice(-2000); });
    server.stderr!.on('data', (d) => { output = (output + d).slice(-2000); });
    const endpoint = `http://127.0.0.1:${port}`;
    await waitForHttp(`${endpoint}/moto-api/`, server, () => output);
    Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    delete process.env.AWS_PROFILE;
    s3 = new S3Client({ forcePathStyle: true });
    glue = new GlueClient({});
    const location = { CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' as const } };
    await s3.send(new CreateBucketCommand({ Bucket: RAW_BUCKET, ...location }));
    await s3.send(new CreateBucketCommand({ Bucket: WAREHOUSE_BUCKET, ...location }));
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'raw_orders' } }));
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'curated_orders' } }));
    const raw = rawGlueTable('items');
    const { Name, Description, TableType, Parameters, StorageDescriptor } = raw;
    await glue.send(new CreateTableCommand({ DatabaseName: 'raw_orders', TableInput: { Name, Description, TableType, Parameters, StorageDescriptor } }));
    zone = await rawZone();
  }, 60_000);

  afterAll(() => {
    zone?.cleanup();
    if (server?.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    process.env = saved;
  });

  const uploaded = new Set<string>();
  /** Uploads the files written since the last call (uploading a LOAD file again would change its identity: a reload). */
  async function upload(): Promise<void> {
    const root = zone.dir;
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const file of walk(root)) {
      const key = path.relative(root, file).split(path.sep).join('/');
      if (uploaded.has(key)) continue;
      uploaded.add(key);
      await s3.send(new PutObjectCommand({ Bucket: RAW_BUCKET, Key: key, Body: fs.readFileSync(file) }));
    }
  }

  test('prepare lists every page, reads footers, evolves the raw table; commit writes the watermark; the next run is incremental', async () => {
    // more than one listing page (1,000 keys each): temporary files DMS leaves under dot-folders are listed and ignored
    await Promise.all(Array.from({ length: 1001 }, (_, i) =>
      s3.send(new PutObjectCommand({ Bucket: RAW_BUCKET, Key: `orders/public/items/.tmp/part-${i}`, Body: 'x' }))));
    await zone.writer.writeLoad(table, columns, [insert(1, 'a'), insert(2, 'b')]);
    await upload();
    const task = tableTask('items');

    const batch = (await handle({ action: 'prepare', table: task })) as PreparedBatch;
    expect(batch.kind).toBe('initial');
    expect(batch.filesApplied).toBe(1);
    expect(batch.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS `curated_orders`.`items`/);
    expect(batch.statements[1]).toContain("\"$path\" IN ('s3://raw-bucket/orders/public/items/LOAD00000001.parquet')");
    const raw = (await glue.send(new GetTableCommand({ DatabaseName: 'raw_orders', Name: 'public__items' }))).Table!;
    expect(raw.StorageDescriptor!.Columns!.map((c) => `${c.Name} ${c.Type}`)).toEqual([
      'op string', '_dms_commit_ts string', '_dms_change_seq string', 'id bigint', 'name string',
    ]);
    expect(raw).toMatchObject({ Description: 'DMS files', TableType: 'EXTERNAL_TABLE', Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' } });
    expect(raw.StorageDescriptor!.SerdeInfo!.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');

    await handle({ action: 'commit', table: task, batch });
    const stored = await s3.send(new GetObjectCommand({ Bucket: WAREHOUSE_BUCKET, Key: '_watermarks/curated_orders/items.json' }));
    expect(JSON.parse(await stored.Body!.transformToString())).toMatchObject({ ...batch.watermark, table: 'curated_orders.items' });

    // Athena would have created the curated table; register it as Athena leaves it
    await glue.send(new CreateTableCommand({
      DatabaseName: 'curated_orders',
      TableInput: {
        Name: 'items',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { table_type: 'ICEBERG' },
        StorageDescriptor: { Columns: ['id bigint', 'name string', '_dms_commit_ts string', '_dms_change_seq string'].map((c) => ({ Name: c.split(' ')[0], Type: c.split(' ')[1] })) },
      },
    }));
    expect(await handle({ action: 'prepare', table: task })).toEqual({ kind: 'up-to-date', statements: [], filesApplied: 0, watermark: null, newestCommitTimestamp: null });

    await zone.writer.writeChanges(table, [...columns, { name: 'price', type: 'decimal(10,2)' }],
      [{ op: 'U', commitTimestamp: '2024-01-02 00:00:00.000000', changeSequence: '1'.padStart(35, '0'), values: { id: 1, name: 'a', price: '9.99' } }]);
    await upload();
    const next = (await handle({ action: 'prepare', table: task })) as PreparedBatch;
    expect(next.kind).toBe('incremental');
    expect(next.statements[0]).toBe('ALTER TABLE `curated_orders`.`items` ADD COLUMNS (`price` decimal(10,2))');
    expect(next.watermark).toMatchObject({ filesApplied: 2 });
    const evolved = (await glue.send(new GetTableCommand({ DatabaseName: 'raw_orders', Name: 'public__items' }))).Table!;
    expect(evolved.StorageDescriptor!.Columns!.map((c) => `${c.Name} ${c.Type}`).slice(3)).toEqual(['id bigint', 'name string', 'price decimal(10,2)']);
    expect(evolved.Parameters).toEqual({ classification: 'parquet', EXTERNAL: 'TRUE' });
  }, 120_000);
});
