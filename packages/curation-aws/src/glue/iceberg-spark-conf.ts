/** The Spark catalog name the generated SQL uses for curated tables (`glue_catalog.curated_orders.customers`). */
export const ICEBERG_CATALOG = 'glue_catalog';

/**
 * The Spark settings that make `catalog` an Iceberg catalog backed by the Glue Data Catalog, with
 * files read and written through Iceberg's S3FileIO under `warehouseUri`. Defined once, here.
 *
 * @param warehouseUri the warehouse root, e.g. `s3://bucket/`
 * @param catalog the catalog name
 */
export function icebergSparkConf(warehouseUri: string, catalog: string = ICEBERG_CATALOG): Record<string, string> {
  const prefix = `spark.sql.catalog.${catalog}`;
  return {
    'spark.sql.extensions': 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
    [prefix]: 'org.apache.iceberg.spark.SparkCatalog',
    [`${prefix}.catalog-impl`]: 'org.apache.iceberg.aws.glue.GlueCatalog',
    [`${prefix}.io-impl`]: 'org.apache.iceberg.aws.s3.S3FileIO',
    [`${prefix}.warehouse`]: warehouseUri,
  };
}

/**
 * The value of Glue's single `--conf` job argument for several Spark settings: Glue passes it to
 * spark-submit after `--conf`, so further settings are chained as `k1=v1 --conf k2=v2`.
 */
export function glueConfArgument(conf: Record<string, string>): string {
  return Object.entries(conf).map(([key, value]) => `${key}=${value}`).join(' --conf ');
}
