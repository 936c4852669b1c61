import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { ColumnDefinition, RawChange } from '@cdc-lakehouse/curation';
import { fakeAws, rawGlueTable, rawZone, tableTask, WAREHOUSE_BUCKET } from './athena-helpers';
import type { PreparedBatch } from '../src/athena/runtime/events';
import { withDataColumns } from '../src/athena/runtime/glue-tables';
import { handle } from '../src/athena/runtime/handler';

const table = { schema: 'public', table: 'items' };
const columns: ColumnDefinition[] = [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }, { name: 'qty', type: 'int' }];
const change = (op: 'I' | 'U' | 'D', seq: string, values: RawChange['values']): RawChange =>
  ({ op, commitTimestamp: `2024-01-01 00:00:${seq}.000000`, changeSequence: op === 'I' && seq === '00' ? '' : seq.padStart(35, '0'), values });

/** The curated table as Athena leaves it in the catalog after CREATE TABLE. */
const curatedGlueTable = (cols: { Name: string; Type: string }[]) => ({
  Name: 'items',
  DatabaseName: 'curated_orders',
  TableType: 'EXTERNAL_TABLE',
  Parameters: { table_type: 'ICEBERG' },
  StorageDescriptor: { Columns: [...cols, { Name: '_dms_commit_ts', Type: 'string' }, { Name: '_dms_change_seq', Type: 'string' }] },
});

describe('Athena curation runtime (aws-sdk-client-mock)', () => {
  let zone: Awaited<ReturnType<typeof rawZone>>;
  beforeEach(async () => {
    zone = await rawZone();
  });
  afterEach(() => zone.cleanup());

  const prepare = async (aws: ReturnType<typeof fakeAws>, task = tableTask('items')) =>
    (await handle({ action: 'prepare', table: task }, aws.clients)) as PreparedBatch;

  test('initial: every listing page, footers by ranged GET only, CREATE TABLE + a MERGE for the load and one for the changes, raw table gets the data columns', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 }), change('I', '00', { id: 2, name: 'b', qty: 2 })]);
    await zone.writer.writeChanges(table, columns, [change('U', '01', { id: 1, name: 'a2', qty: 3 })]);
    await zone.writer.writeChanges(table, columns, [change('D', '02', { id: 2, name: 'b', qty: 2 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')], 2);
    const batch = await prepare(aws);

    expect(aws.s3Mock.commandCalls(ListObjectsV2Command).length).toBe(2); // 3 files, pages of 2
    expect(batch.kind).toBe('initial');
    expect(batch.filesApplied).toBe(3);
    expect(batch.statements).toHaveLength(3);
    expect(batch.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS `curated_orders`.`items` \(\n {2}`id` bigint,\n {2}`name` string,\n {2}`qty` int,/);
    expect(batch.statements[0]).toContain("LOCATION 's3://warehouse-bucket/curated_orders/items/'");
    expect(batch.statements[1]).toMatch(/^MERGE INTO "curated_orders"."items" AS t/);
    expect(batch.statements[1]).toContain('FROM "raw_orders"."public__items" AS c');
    expect(batch.statements[1]).toContain('WHERE "$path" IN (\'s3://raw-bucket/orders/public/items/LOAD00000001.parquet\')\n');
    expect(batch.statements[2]).toMatch(/WHERE "\$path" IN \('s3:\/\/raw-bucket\/orders\/public\/items\/\d{8}-\d{9}\.parquet', '[^']+'\)\n/);
    // footers only: every GET of a raw file is ranged, and reads the file's end
    const gets = aws.s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input).filter((i) => i.Bucket === 'raw-bucket');
    expect(gets).toHaveLength(3);
    expect(gets.every((i) => /^bytes=\d+-\d+$/.test(i.Range ?? ''))).toBe(true);
    // the raw table: data columns added after the bookkeeping ones, everything else kept
    expect(aws.updates).toHaveLength(1);
    const input = aws.updates[0];
    expect(input.VersionId).toBe('1');
    expect(input.TableInput!.StorageDescriptor!.Columns).toEqual([
      { Name: 'op', Type: 'string' }, { Name: '_dms_commit_ts', Type: 'string' }, { Name: '_dms_change_seq', Type: 'string' },
      { Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: 'qty', Type: 'int' },
    ]);
    expect(input.TableInput).toMatchObject({
      Name: 'public__items', Description: 'DMS files', TableType: 'EXTERNAL_TABLE', Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
    });
    expect(input.TableInput!.StorageDescriptor!.SerdeInfo).toEqual({ SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' });
    expect(batch.watermark).toMatchObject({ filesApplied: 3, lastCdcOrderKey: expect.stringMatching(/^\d{17}\|\d{8}-\d{9}\.parquet$/) });
  });

  test('commit stores the watermark (idempotently); the next prepare is up to date with nothing to run', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const task = tableTask('items');
    const batch = await prepare(aws, task);
    await handle({ action: 'commit', table: task, batch }, aws.clients);
    const stored = () => JSON.parse(Buffer.from(aws.objects.get(`${WAREHOUSE_BUCKET}/_watermarks/curated_orders/items.json`)!).toString());
    const first = stored();
    expect(first).toMatchObject({ ...batch.watermark, table: 'curated_orders.items' });
    await handle({ action: 'commit', table: task, batch }, aws.clients);
    expect({ ...stored(), committedAt: undefined }).toEqual({ ...first, committedAt: undefined });

    aws.catalog.set('curated_orders.items', curatedGlueTable([{ Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: 'qty', Type: 'int' }]) as never);
    const again = await prepare(aws, task);
    expect(again).toEqual({ kind: 'up-to-date', statements: [], filesApplied: 0, watermark: null, newestCommitTimestamp: null });
    expect(await handle({ action: 'commit', table: task, batch: again }, aws.clients))
      .toEqual({ watermark: batch.watermark, newestCommitTimestamp: '2024-01-01 00:00:00.000000', freshness: 'off' });
  });

  test('re-running prepare after a failure before commit plans the same batch, and every MERGE branch is guarded so re-applying it changes nothing', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    await zone.writer.writeChanges(table, columns, [change('U', '01', { id: 1, name: 'b', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const first = await prepare(aws);
    // the statements ran (table created), the commit did not: the catalog now has the curated table
    aws.catalog.set('curated_orders.items', curatedGlueTable([{ Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: 'qty', Type: 'int' }]) as never);
    const second = await prepare(aws);
    expect(second.kind).toBe('initial');
    expect(second.watermark).toEqual(first.watermark);
    // CREATE TABLE not needed again; the rows the failed run left are removed (the run starts from nothing), then the same MERGE
    expect(second.statements).toEqual(['DELETE FROM "curated_orders"."items"', ...first.statements.slice(1)]);
    const merge = second.statements[1];
    const newer = '("s"."_dms_change_seq" > "t"."_dms_change_seq" OR ("s"."_dms_change_seq" = "t"."_dms_change_seq" AND "s"."_dms_commit_ts" > "t"."_dms_commit_ts"))'
      .replace(/"s"\./g, 's.').replace(/"t"\./g, 't.');
    // a change already applied is not newer than itself: matched rows are left alone; an applied insert now matches
    expect(merge).toContain(`WHEN MATCHED AND s."Op" = 'D' AND ${newer} THEN DELETE`);
    expect(merge).toContain(`WHEN MATCHED AND ${newer} THEN UPDATE SET`);
    expect(merge).toContain('WHEN NOT MATCHED AND s."Op" <> \'D\' THEN INSERT');
    expect(aws.updates).toHaveLength(1); // the second prepare finds the raw table already evolved
  });

  test('an added column and a widening (int → bigint) alter both tables; other fields of the raw table are kept', async () => {
    const wider: ColumnDefinition[] = [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }, { name: 'qty', type: 'bigint' }, { name: 'note', type: 'string' }];
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const task = tableTask('items');
    const initial = await prepare(aws, task);
    await handle({ action: 'commit', table: task, batch: initial }, aws.clients);
    aws.catalog.set('curated_orders.items', curatedGlueTable([{ Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: 'qty', Type: 'int' }]) as never);
    await zone.writer.writeChanges(table, wider, [change('U', '01', { id: 1, name: 'a', qty: 5_000_000_000, note: 'big' })]);

    const batch = await prepare(aws, task);
    expect(batch.kind).toBe('incremental');
    expect(batch.statements.slice(0, 2)).toEqual([
      'ALTER TABLE `curated_orders`.`items` CHANGE COLUMN `qty` `qty` bigint',
      'ALTER TABLE `curated_orders`.`items` ADD COLUMNS (`note` string)',
    ]);
    expect(batch.statements[2]).toContain('c."note"');
    const last = aws.updates[aws.updates.length - 1];
    expect(last.VersionId).toBe('2');
    expect(last.TableInput!.StorageDescriptor!.Columns!.slice(3)).toEqual([
      { Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: 'qty', Type: 'bigint' }, { Name: 'note', Type: 'string' },
    ]);
    expect(last.TableInput!.StorageDescriptor!.Location).toBe('s3://raw-bucket/orders/public/items/');
  });

  test('a narrowing or incompatible type is refused in one line naming table, column, file and fix; nothing is written', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    aws.catalog.set('curated_orders.items', curatedGlueTable([{ Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: 'qty', Type: 'date' }]) as never);
    const error = await prepare(aws).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).toMatch(/^table curated_orders\.items: column "qty" changed type from date to int in raw file s3:\/\/raw-bucket\/orders\/public\/items\/LOAD00000001\.parquet; .*Migrate the curated table by hand/);
    expect(aws.updates).toHaveLength(0);
  });

  test('an append-only table is refused before anything is listed or written: Athena cannot commit its watermark with the INSERT', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const error = await prepare(aws, tableTask('items', { primaryKey: [], mode: 'append-only' })).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      'table curated_orders.items: append-only tables cannot be curated exactly once by Athena; curate this source with the Glue engine, or give the table a primary key',
    );
    expect(aws.s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    expect(aws.updates).toHaveLength(0);
  });

  test('a table that keeps identical rows gets the copy-counting MERGE; without a change sequence it is refused up front', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 }), change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const keyless = { primaryKey: ['id', 'name', 'qty'], nullableKey: true, keepDuplicates: true };
    const batch = await prepare(aws, tableTask('items', keyless));
    expect(batch.statements).toHaveLength(2);
    expect(batch.statements[1]).toMatch(/^MERGE INTO "curated_orders"."items" AS t\nUSING \(\n {2}WITH net AS \(/);
    expect(batch.statements[1]).toContain('WHERE "$path" IN (\'s3://raw-bucket/orders/public/items/LOAD00000001.parquet\')\n');
    expect(batch.statements[1]).toContain('\nWHEN MATCHED THEN DELETE\nWHEN NOT MATCHED AND s."_copy_number" IS NOT NULL THEN INSERT (');
    const noSequence = tableTask('items', { ...keyless, source: { ...tableTask('items').settings.source, format: { changeSequenceColumn: null } } });
    const fresh = fakeAws(zone.dir, [rawGlueTable('items')]);
    await expect(prepare(fresh, noSequence)).rejects.toThrow(
      /^table curated_orders\.items: keepDuplicates without a change-sequence column cannot be curated exactly once by Athena; add the \$AR_H_CHANGE_SEQ/);
    expect(fresh.s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  test('reload: new LOAD files empty the table (DELETE FROM) and apply the new load', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const task = tableTask('items');
    await handle({ action: 'commit', table: task, batch: await prepare(aws, task) }, aws.clients);
    aws.catalog.set('curated_orders.items', curatedGlueTable([{ Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: 'qty', Type: 'int' }]) as never);
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 7, name: 'z', qty: 9 }), change('I', '00', { id: 8, name: 'y', qty: 9 })]);
    const batch = await prepare(aws, task);
    expect(batch.kind).toBe('reload');
    expect(batch.statements[0]).toBe('DELETE FROM "curated_orders"."items"');
    expect(batch.statements[1]).toMatch(/^MERGE INTO/);
    expect(batch.watermark).toMatchObject({ filesApplied: 1, lastCdcOrderKey: null });
  });

  test('a watermark without its curated table is a named error (TABLE_MISSING) with the fix', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const task = tableTask('items');
    await handle({ action: 'commit', table: task, batch: await prepare(aws, task) }, aws.clients);
    await expect(prepare(aws, task)).rejects.toThrow(/^table curated_orders\.items: the watermark s3:\/\/warehouse-bucket\/_watermarks\/curated_orders\/items\.json says 1 files were applied but the table is missing; delete the watermark/);
  });

  test('no raw files: up to date; with declared columns the empty table is created', async () => {
    const aws = fakeAws(path.join(zone.dir, 'nothing'), [rawGlueTable('items')]);
    expect(await prepare(aws)).toEqual({ kind: 'up-to-date', statements: [], filesApplied: 0, watermark: null, newestCommitTimestamp: null });
    const declared = await prepare(aws, tableTask('items', { columns }));
    expect(declared.statements).toHaveLength(1);
    expect(declared.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS/);
  });

  test('a raw table missing from the catalog, and an unknown action, are one-line errors naming the table', async () => {
    await zone.writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'a', qty: 1 })]);
    const aws = fakeAws(zone.dir, []);
    await expect(prepare(aws)).rejects.toThrow('table curated_orders.items: raw table raw_orders.public__items is not in the Glue catalog; deploy the source stack that registers it');
    await expect(handle({ action: 'nope', table: tableTask('items') } as never, aws.clients)).rejects.toThrow(/^table curated_orders\.items: unknown action "nope"/);
  });

  test('withDataColumns keeps every other TableInput field and drops read-only ones', () => {
    const input = withDataColumns(
      rawGlueTable('items', { CreateTime: new Date(0), UpdateTime: new Date(0), CreatedBy: 'x', IsRegisteredWithLakeFormation: false, PartitionKeys: [] }),
      ['Op', '_dms_commit_ts', '_dms_change_seq'], [{ name: 'ID', type: 'bigint' }],
    );
    expect(Object.keys(input).sort()).toEqual(['Description', 'Name', 'Parameters', 'PartitionKeys', 'StorageDescriptor', 'TableType']);
    expect(input.StorageDescriptor!.Columns!.map((c) => c.Name)).toEqual(['op', '_dms_commit_ts', '_dms_change_seq', 'id']);
  });
});
