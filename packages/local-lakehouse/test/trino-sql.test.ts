import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ATHENA_ICEBERG_TABLE_PROPERTIES, ApplyPlan, ChangeFile, CurationPlan, CurationPlanProps, CurationSql } from '@cdc-lakehouse/curation';
import { ATHENA_TABLE_PROPERTIES, TrinoTranslationError, athenaToTrino, trinoType } from '../src/engines/trino/athena-to-trino';
import { columnTypeFromTrino, cutBatches, pathFilter, rawTableStatements } from '../src/engines/trino/trino-curation';
import { serverConfigFiles } from '../src/engines/trino/trino-server';
import {
  athenaPlan, caseCollisions, catalogStatements, registerTrinoTables, readTrinoRegistry, sourceSpelling, translationContext, warehouseCatalogs,
} from '../src/engines/trino/trino-warehouse';
import { LakeTable } from '../src/lake/plans';

const PROPS: CurationPlanProps = {
  source: { schema: 'shop', table: 'Order Items' },
  curated: { database: 'shop', table: 'order' },
  columns: [
    { name: 'id', type: 'int' }, { name: 'Note', type: 'string' }, { name: 'amount', type: 'decimal(12,2)' }, { name: 'ratio', type: 'float' },
    { name: 'blob', type: 'binary' }, { name: 'at', type: 'timestamp' }, { name: 'day', type: 'date' },
  ],
  primaryKey: ['id'],
  deletes: 'soft',
  partitionBy: [{ column: 'id', transform: 'bucket', buckets: 16 }, { column: 'at', transform: 'month' }, { column: 'Note', transform: 'truncate', width: 4 }],
};
const WAREHOUSE = '/tmp/wh';
const plan = athenaPlan(new CurationPlan(PROPS));
const sql = new CurationSql(plan, 'athena');
const context = translationContext(WAREHOUSE);

describe('Athena → Trino translation', () => {
  test('CREATE DATABASE becomes CREATE SCHEMA with a location in the warehouse', () => {
    expect(athenaToTrino(sql.createDatabase(), context)).toEqual(['CREATE SCHEMA IF NOT EXISTS "shop" WITH (location = \'local:///tmp/wh/shop\')']);
  });

  test('CREATE TABLE: double quotes, Trino type names, partitioning array, location and the properties Trino has', () => {
    expect(athenaToTrino(sql.createTable(), context)).toEqual([[
      'CREATE TABLE IF NOT EXISTS "shop"."order" (',
      '  "id" integer,',
      '  "Note" varchar,',
      '  "amount" decimal(12,2),',
      '  "ratio" real,',
      '  "blob" varbinary,',
      '  "at" timestamp(6),',
      '  "day" date,',
      '  "_dms_commit_ts" varchar,',
      '  "_dms_change_seq" varchar,',
      '  "_is_deleted" boolean,',
      '  "_deleted_at" timestamp(6)',
      ')',
      'WITH (',
      '  format = \'PARQUET\',',
      '  partitioning = ARRAY[\'bucket("id", 16)\', \'month("at")\', \'truncate("Note", 4)\'],',
      '  location = \'local:///tmp/wh/shop/order\'',
      ')',
    ].join('\n')]);
  });

  test('ADD COLUMNS and CHANGE COLUMN become ADD COLUMN and ALTER COLUMN … SET DATA TYPE', () => {
    expect(athenaToTrino(sql.addColumn({ name: 'new `col`', type: 'bigint' }), context)).toEqual(['ALTER TABLE "shop"."order" ADD COLUMN "new `col`" bigint']);
    expect(athenaToTrino(sql.widenColumn({ name: 'ratio', type: 'double' }), context)).toEqual(['ALTER TABLE "shop"."order" ALTER COLUMN "ratio" SET DATA TYPE double']);
  });

  test('the dedup + MERGE runs exactly as generated', () => {
    const merge = sql.merge({ ...sql.dialect.defaultChangeSource(plan), filter: '"$path" IN (\'local:///raw/a.parquet\')' });
    expect(athenaToTrino(merge, context)).toEqual([merge]);
    expect(merge).toContain('FROM "raw_shop"."order" AS c');
  });

  test('OPTIMIZE and VACUUM become table procedures', () => {
    const [optimize, vacuum] = sql.maintenance();
    expect(athenaToTrino(optimize, context)).toEqual(['ALTER TABLE "shop"."order" EXECUTE optimize']);
    expect(athenaToTrino(vacuum, context)).toHaveLength(2);
  });

  test('every table property Athena accepts has a rule; an unknown one stops the translation', () => {
    for (const property of ['table_type', ...ATHENA_ICEBERG_TABLE_PROPERTIES]) expect(ATHENA_TABLE_PROPERTIES[property]).toBeDefined();
    const unknown = sql.createTable().replace('\'format\' = \'parquet\'', '\'made_up\' = \'1\'');
    expect(() => athenaToTrino(unknown, context)).toThrow(TrinoTranslationError);
    expect(() => athenaToTrino('SHOW TBLPROPERTIES x', context)).toThrow(/no Trino translation/);
  });

  test('type names map both ways', () => {
    for (const type of ['boolean', 'int', 'bigint', 'float', 'double', 'string', 'binary', 'date', 'timestamp', 'decimal(38,9)']) {
      expect(columnTypeFromTrino(trinoType(type))).toBe(type);
    }
    expect(columnTypeFromTrino('decimal(10, 2)')).toBe('decimal(10,2)');
  });

  test('a location outside the rehearsal bucket is refused', () => {
    expect(() => context.location('s3://other/x/')).toThrow(/not under s3:\/\/lakehouse-rehearsal-warehouse\//);
  });
});

describe('Trino statement building', () => {
  const file = (name: string, kind: 'load' | 'cdc'): ChangeFile => ({
    kind, orderKey: name, path: `/raw/shop/Order Items/${name}`, relativePath: name, name, sizeBytes: 1, modifiedMs: 1,
  });

  test('the raw table: bookkeeping columns as varchar, then the data columns, external over the raw folder', () => {
    const [schema, drop, create] = rawTableStatements('wh_x_raw', plan, '/raw');
    expect(schema).toBe('CREATE SCHEMA IF NOT EXISTS wh_x_raw."raw_shop"');
    expect(drop).toBe('DROP TABLE IF EXISTS wh_x_raw."raw_shop"."order"');
    expect(create).toContain('"Op" varchar,\n  "_dms_commit_ts" varchar,\n  "_dms_change_seq" varchar,\n  "id" integer,');
    expect(create).toContain('external_location = \'local:///raw/shop/Order Items\'');
  });

  test('the "$path" filter names each file by its local:// URI', () => {
    expect(pathFilter([file('LOAD00000001.parquet', 'load'), file('it\'s.parquet', 'cdc')]))
      .toBe('"$path" IN (\'local:///raw/shop/Order Items/LOAD00000001.parquet\', \'local:///raw/shop/Order Items/it\'\'s.parquet\')');
  });

  test('batches: a load whole in the first, then at most 100 CDC files per MERGE', () => {
    const load = [file('LOAD1', 'load'), file('LOAD2', 'load')];
    const changes = Array.from({ length: 250 }, (_, i) => file(`c${i}`, 'cdc'));
    const batches = cutBatches({ kind: 'reload', load, changes } as unknown as ApplyPlan);
    expect(batches.map((b) => [b.files.length, b.rebuild])).toEqual([[100, true], [100, false], [52, false]]);
    expect(batches[0].files.slice(0, 2)).toEqual(load);
    expect(cutBatches({ kind: 'incremental', load: [], changes: changes.slice(0, 3) } as unknown as ApplyPlan)).toEqual([{ files: changes.slice(0, 3), rebuild: false }]);
  });

  test('catalogs: one file metastore in the warehouse, redirections both ways, loopback-only server config', () => {
    const { hive, iceberg } = warehouseCatalogs(WAREHOUSE);
    const [hiveCatalog, icebergCatalog] = catalogStatements(WAREHOUSE);
    expect(hiveCatalog).toContain(`CREATE CATALOG ${hive} USING hive`);
    expect(hiveCatalog).toContain(`"hive.iceberg-catalog-name" = '${iceberg}'`);
    expect(icebergCatalog).toContain(`"iceberg.hive-catalog-name" = '${hive}'`);
    expect(icebergCatalog).toContain('"hive.metastore.catalog.dir" = \'local:///tmp/wh/_trino_metastore\'');
    const files = serverConfigFiles('/tmp/t', 8080, '1G');
    expect(files['node.properties']).toContain('node.binding-ip=127.0.0.1');
    expect(files['config.properties']).toContain('catalog.management=dynamic');
    expect(files['jvm.config']).toContain('-Xmx1G');
  });
});

describe('column names: Trino folds them to lower case', () => {
  test('verify gets the source spelling back for the exported columns the registry spells', () => {
    expect(sourceSpelling(['key', 'value', 'camelcol', '_dms_commit_ts'], ['Key', 'Value', 'camelCol'])).toEqual([
      ['key', 'Key'], ['value', 'Value'], ['camelcol', 'camelCol'], ['_dms_commit_ts', '_dms_commit_ts'],
    ]);
    expect(sourceSpelling(['id', 'name'], undefined)).toEqual([['id', 'id'], ['name', 'name']]);
  });

  test('names that differ only in case collide', () => {
    expect(caseCollisions(['id', 'Name', 'name', 'NAME', 'x'])).toEqual([['Name', 'name', 'NAME']]);
    expect(caseCollisions(['Key', 'Value'])).toEqual([]);
  });

  test('the registry records the plan\'s spelling only when it has upper case', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trino-registry-'));
    try {
      const table = (name: string, columns: string[]): LakeTable => {
        const tablePlan = new CurationPlan({
          source: { schema: 'app', table: name },
          curated: { database: 'app', table: name.toLowerCase().replace(/ /g, '_') },
          columns: columns.map((c) => ({ name: c, type: 'int' })),
          primaryKey: [columns[0]],
        });
        return { source: { schema: 'app', table: name }, plan: tablePlan } as unknown as LakeTable;
      };
      registerTrinoTables(dir, [table('Mixed Case', ['Key', 'Value']), table('plain', ['id', 'v'])]);
      const registry = readTrinoRegistry(dir);
      expect(registry.map((t) => [t.sourceTable, t.columnNames])).toEqual([['Mixed Case', ['Key', 'Value']], ['plain', undefined]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
