import * as path from 'node:path';
import { CurationPlan, CurationPlanError, SparkJobSpec, SparkJobTable, sparkJobSpec } from '@cdc-lakehouse/curation';
import { writeFileAtomic } from '../../capture/atomic-file';
import { LakehouseError } from '../../errors';
import { RegisteredTable } from '../../lake/lake-database';
import { LakeTable } from '../../lake/plans';
import { WarehouseRegistryFile, readWarehouseRegistryFile, registryEntry, writeWarehouseRegistry } from '../../lake/warehouse-registry';

/** The Iceberg catalog name the local job uses: the deployed job's, so the generated SQL runs unchanged. */
export const LOCAL_SPARK_CATALOG = 'glue_catalog';

/** The job spec the last `curate --engine spark` ran, kept in the warehouse (what the Glue job would get). */
export const WAREHOUSE_JOB_SPEC_FILE = '_lakehouse_job_spec.json';

/** The warehouse's registry of curated tables (the DuckDB lake's `_lakehouse_tables` table, as a file). */
export const WAREHOUSE_REGISTRY_FILE = '_lakehouse_tables.json';

const REGISTRY_FORMAT = 'lakehouse-warehouse-tables';

/** A plan as the props `sparkJobSpec` takes: everything it says, declared columns included. */
export function sparkJobTable(plan: CurationPlan): SparkJobTable {
  return {
    source: {
      schema: plan.source.schema,
      table: plan.source.table,
      format: plan.format,
      ...(plan.source.rawTable ? { rawTable: plan.source.rawTable } : {}),
    },
    curated: plan.curated,
    columns: plan.columns,
    primaryKey: plan.primaryKey,
    nullableKey: plan.nullableKey,
    keepDuplicates: plan.keepDuplicates,
    mode: plan.mode,
    deletes: plan.deletes,
    partitionBy: plan.partitionBy,
    tableProperties: plan.tableProperties,
    maintenance: plan.maintenance,
  };
}

/**
 * The Spark job spec (version 3, `sparkJobSpec` of the curation package) for local tables and
 * their plans, the very plans the DuckDB engine applies. One spec has one raw format (one DMS
 * task writes all tables alike): the first table's.
 */
export function localSparkJobSpec(tables: readonly LakeTable[]): SparkJobSpec {
  try {
    return sparkJobSpec(tables.map((t) => sparkJobTable(t.plan)), { catalog: LOCAL_SPARK_CATALOG, rawFormat: tables[0]?.plan.format });
  } catch (err) {
    if (err instanceof CurationPlanError) throw new LakehouseError(`--engine spark: ${err.message}`);
    throw err;
  }
}

/** Writes the spec into the warehouse (created when missing) and returns its path. */
export function writeJobSpec(warehouse: string, tables: readonly LakeTable[]): string {
  const file = path.join(warehouse, WAREHOUSE_JOB_SPEC_FILE);
  writeFileAtomic(file, `${JSON.stringify(localSparkJobSpec(tables), null, 2)}\n`);
  return file;
}

const REGISTRY: WarehouseRegistryFile = {
  file: WAREHOUSE_REGISTRY_FILE,
  format: REGISTRY_FORMAT,
  engine: 'spark',
  rewrite: () => '`lakehouse local curate --engine spark`',
};

/** Records (or refreshes) tables in the warehouse's registry, keeping entries of other source tables. */
export function registerWarehouseTables(warehouse: string, tables: readonly LakeTable[]): void {
  writeWarehouseRegistry(REGISTRY, warehouse, tables.map(registryEntry));
}

/**
 * The warehouse's registered tables.
 * @throws LakehouseError when the directory is not a warehouse `curate --engine spark` wrote
 */
export function readWarehouseRegistry(warehouse: string): RegisteredTable[] {
  return readWarehouseRegistryFile(REGISTRY, warehouse);
}
