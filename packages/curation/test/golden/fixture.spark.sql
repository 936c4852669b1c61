-- createDatabase
CREATE NAMESPACE IF NOT EXISTS glue_catalog.`curated_pg`;

-- createTable
CREATE TABLE IF NOT EXISTS glue_catalog.`curated_pg`.`dms_test_table` (
  `id` BIGINT,
  `my_int` INT,
  `my_smallint` INT,
  `my_numeric` DECIMAL(15,2),
  `my_real` FLOAT,
  `my_double` DOUBLE,
  `my_money` DECIMAL(38,4),
  `my_varchar` STRING,
  `my_text` STRING,
  `my_bytea` BINARY,
  `my_timestamp` TIMESTAMP_NTZ,
  `my_uuid` STRING,
  `my_json` STRING,
  `my_jsonb` STRING,
  `my_bool` BOOLEAN,
  `DMS_TIMESTAMP` STRING
)
USING iceberg
LOCATION 's3://lake-curated/pg/dms_test_table/'
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
MERGE INTO glue_catalog.`curated_pg`.`dms_test_table` AS t
USING (
  SELECT
    `Op`,
    `id`,
    `my_int`,
    `my_smallint`,
    `my_numeric`,
    `my_real`,
    `my_double`,
    `my_money`,
    `my_varchar`,
    `my_text`,
    `my_bytea`,
    `my_timestamp`,
    `my_uuid`,
    `my_json`,
    `my_jsonb`,
    `my_bool`,
    `DMS_TIMESTAMP`
  FROM (
    SELECT
      COALESCE(c.`Op`, 'I') AS `Op`,
      c.`id`,
      c.`my_int`,
      c.`my_smallint`,
      c.`my_numeric`,
      c.`my_real`,
      c.`my_double`,
      c.`my_money`,
      c.`my_varchar`,
      c.`my_text`,
      c.`my_bytea`,
      c.`my_timestamp`,
      c.`my_uuid`,
      c.`my_json`,
      c.`my_jsonb`,
      c.`my_bool`,
      c.`DMS_TIMESTAMP`,
      row_number() OVER (
        PARTITION BY c.`id`
        ORDER BY
          c.`DMS_TIMESTAMP` DESC NULLS LAST,
          CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
          element_at(split(input_file_name(), '/'), -1) DESC
      ) AS `_change_rank`
    FROM `raw_pg`.`public_dms_test_table` AS c
  ) AS ranked
  WHERE `_change_rank` = 1
) AS s
ON t.`id` = s.`id`
WHEN MATCHED AND s.`Op` = 'D' AND s.`DMS_TIMESTAMP` >= t.`DMS_TIMESTAMP` THEN DELETE
WHEN MATCHED AND s.`DMS_TIMESTAMP` >= t.`DMS_TIMESTAMP` THEN UPDATE SET
  `my_int` = s.`my_int`,
  `my_smallint` = s.`my_smallint`,
  `my_numeric` = s.`my_numeric`,
  `my_real` = s.`my_real`,
  `my_double` = s.`my_double`,
  `my_money` = s.`my_money`,
  `my_varchar` = s.`my_varchar`,
  `my_text` = s.`my_text`,
  `my_bytea` = s.`my_bytea`,
  `my_timestamp` = s.`my_timestamp`,
  `my_uuid` = s.`my_uuid`,
  `my_json` = s.`my_json`,
  `my_jsonb` = s.`my_jsonb`,
  `my_bool` = s.`my_bool`,
  `DMS_TIMESTAMP` = s.`DMS_TIMESTAMP`
WHEN NOT MATCHED AND s.`Op` <> 'D' THEN INSERT (
  `id`,
  `my_int`,
  `my_smallint`,
  `my_numeric`,
  `my_real`,
  `my_double`,
  `my_money`,
  `my_varchar`,
  `my_text`,
  `my_bytea`,
  `my_timestamp`,
  `my_uuid`,
  `my_json`,
  `my_jsonb`,
  `my_bool`,
  `DMS_TIMESTAMP`
) VALUES (
  s.`id`,
  s.`my_int`,
  s.`my_smallint`,
  s.`my_numeric`,
  s.`my_real`,
  s.`my_double`,
  s.`my_money`,
  s.`my_varchar`,
  s.`my_text`,
  s.`my_bytea`,
  s.`my_timestamp`,
  s.`my_uuid`,
  s.`my_json`,
  s.`my_jsonb`,
  s.`my_bool`,
  s.`DMS_TIMESTAMP`
);

-- latestChangePerKey
SELECT
  `Op`,
  `id`,
  `my_int`,
  `my_smallint`,
  `my_numeric`,
  `my_real`,
  `my_double`,
  `my_money`,
  `my_varchar`,
  `my_text`,
  `my_bytea`,
  `my_timestamp`,
  `my_uuid`,
  `my_json`,
  `my_jsonb`,
  `my_bool`,
  `DMS_TIMESTAMP`
FROM (
  SELECT
    COALESCE(c.`Op`, 'I') AS `Op`,
    c.`id`,
    c.`my_int`,
    c.`my_smallint`,
    c.`my_numeric`,
    c.`my_real`,
    c.`my_double`,
    c.`my_money`,
    c.`my_varchar`,
    c.`my_text`,
    c.`my_bytea`,
    c.`my_timestamp`,
    c.`my_uuid`,
    c.`my_json`,
    c.`my_jsonb`,
    c.`my_bool`,
    c.`DMS_TIMESTAMP`,
    row_number() OVER (
      PARTITION BY c.`id`
      ORDER BY
        c.`DMS_TIMESTAMP` DESC NULLS LAST,
        CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
        element_at(split(input_file_name(), '/'), -1) DESC
    ) AS `_change_rank`
  FROM `raw_pg`.`public_dms_test_table` AS c
) AS ranked
WHERE `_change_rank` = 1;

-- addColumn
ALTER TABLE glue_catalog.`curated_pg`.`dms_test_table` ADD COLUMNS (`added_later` STRING);

-- widenColumn
ALTER TABLE glue_catalog.`curated_pg`.`dms_test_table` ALTER COLUMN `my_int` TYPE BIGINT;

-- maintenance 1
ALTER TABLE glue_catalog.`curated_pg`.`dms_test_table` SET TBLPROPERTIES (
  'history.expire.max-snapshot-age-ms' = '432000000',
  'history.expire.min-snapshots-to-keep' = '1'
);

-- maintenance 2
CALL glue_catalog.system.rewrite_data_files(table => '`curated_pg`.`dms_test_table`');

-- maintenance 3
CALL glue_catalog.system.expire_snapshots(table => '`curated_pg`.`dms_test_table`', retain_last => 1);
