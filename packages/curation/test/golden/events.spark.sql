-- createDatabase
CREATE NAMESPACE IF NOT EXISTS glue_catalog.`curated_sales`;

-- createTable
CREATE TABLE IF NOT EXISTS glue_catalog.`curated_sales`.`events` (
  `event_time` TIMESTAMP_NTZ,
  `kind` STRING,
  `payload` STRING,
  `_dms_commit_ts` STRING,
  `_dms_change_seq` STRING
)
USING iceberg
PARTITIONED BY (hours(`event_time`))
LOCATION 's3://lake-curated/sales/events/'
TBLPROPERTIES (
  'format-version' = '2',
  'write.format.default' = 'parquet',
  'write.parquet.compression-codec' = 'zstd',
  'write.merge.mode' = 'merge-on-read',
  'write.update.mode' = 'merge-on-read',
  'write.delete.mode' = 'merge-on-read',
  'history.expire.max-snapshot-age-ms' = '432000000',
  'history.expire.min-snapshots-to-keep' = '1'
);

-- merge
INSERT INTO glue_catalog.`curated_sales`.`events` (
  `event_time`,
  `kind`,
  `payload`,
  `_dms_commit_ts`,
  `_dms_change_seq`
)
SELECT
  c.`event_time`,
  c.`kind`,
  c.`payload`,
  c.`_dms_commit_ts`,
  COALESCE(c.`_dms_change_seq`, '') AS `_dms_change_seq`
FROM `raw_sales`.`public_events` AS c
WHERE COALESCE(c.`Op`, 'I') <> 'D';

-- addColumn
ALTER TABLE glue_catalog.`curated_sales`.`events` ADD COLUMNS (`added_later` STRING);

-- maintenance 1
ALTER TABLE glue_catalog.`curated_sales`.`events` SET TBLPROPERTIES (
  'history.expire.max-snapshot-age-ms' = '432000000',
  'history.expire.min-snapshots-to-keep' = '1'
);

-- maintenance 2
CALL glue_catalog.system.rewrite_data_files(table => '`curated_sales`.`events`');

-- maintenance 3
CALL glue_catalog.system.expire_snapshots(table => '`curated_sales`.`events`', retain_last => 1);
