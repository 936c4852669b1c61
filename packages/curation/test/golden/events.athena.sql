-- createDatabase
CREATE DATABASE IF NOT EXISTS `curated_sales`;

-- createTable
CREATE TABLE IF NOT EXISTS `curated_sales`.`events` (
  `event_time` timestamp,
  `kind` string,
  `payload` string,
  `_dms_commit_ts` string,
  `_dms_change_seq` string
)
PARTITIONED BY (hour(`event_time`))
LOCATION 's3://lake-curated/sales/events/'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd',
  'vacuum_max_snapshot_age_seconds' = '432000',
  'vacuum_min_snapshots_to_keep' = '1'
);

-- merge
INSERT INTO "curated_sales"."events" (
  "event_time",
  "kind",
  "payload",
  "_dms_commit_ts",
  "_dms_change_seq"
)
SELECT
  c."event_time",
  c."kind",
  c."payload",
  c."_dms_commit_ts",
  COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq"
FROM "raw_sales"."public_events" AS c
WHERE COALESCE(c."Op", 'I') <> 'D';

-- addColumn
ALTER TABLE `curated_sales`.`events` ADD COLUMNS (`added_later` string);

-- maintenance 1
OPTIMIZE "curated_sales"."events" REWRITE DATA USING BIN_PACK;

-- maintenance 2
VACUUM "curated_sales"."events";
