-- createDatabase
CREATE NAMESPACE IF NOT EXISTS glue_catalog.`curated_sales`;

-- createTable
CREATE TABLE IF NOT EXISTS glue_catalog.`curated_sales`.`orders` (
  `id` BIGINT,
  `customer_id` INT,
  `status` STRING,
  `amount` DECIMAL(12,2),
  `updated_at` TIMESTAMP_NTZ,
  `_dms_commit_ts` STRING,
  `_dms_change_seq` STRING
)
USING iceberg
PARTITIONED BY (days(`updated_at`), bucket(16, `id`))
LOCATION 's3://lake-curated/sales/orders/'
TBLPROPERTIES (
  'format-version' = '2',
  'write.format.default' = 'parquet',
  'write.parquet.compression-codec' = 'zstd',
  'write.merge.mode' = 'merge-on-read',
  'write.update.mode' = 'merge-on-read',
  'write.delete.mode' = 'merge-on-read',
  'history.expire.max-snapshot-age-ms' = '432000000',
  'history.expire.min-snapshots-to-keep' = '1',
  'write.target-file-size-bytes' = '268435456'
);

-- merge
MERGE INTO glue_catalog.`curated_sales`.`orders` AS t
USING (
  SELECT
    `Op`,
    `id`,
    `customer_id`,
    `status`,
    `amount`,
    `updated_at`,
    `_dms_commit_ts`,
    `_dms_change_seq`
  FROM (
    SELECT
      COALESCE(c.`Op`, 'I') AS `Op`,
      c.`id`,
      c.`customer_id`,
      c.`status`,
      c.`amount`,
      c.`updated_at`,
      c.`_dms_commit_ts`,
      COALESCE(c.`_dms_change_seq`, '') AS `_dms_change_seq`,
      row_number() OVER (
        PARTITION BY c.`id`
        ORDER BY
          COALESCE(c.`_dms_change_seq`, '') DESC,
          c.`_dms_commit_ts` DESC NULLS LAST,
          CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
          element_at(split(input_file_name(), '/'), -1) DESC
      ) AS `_change_rank`
    FROM `raw_sales`.`public_orders` AS c
  ) AS ranked
  WHERE `_change_rank` = 1
) AS s
ON t.`id` = s.`id`
WHEN MATCHED AND s.`Op` = 'D' AND (s.`_dms_change_seq` > t.`_dms_change_seq` OR (s.`_dms_change_seq` = t.`_dms_change_seq` AND s.`_dms_commit_ts` > t.`_dms_commit_ts`)) THEN DELETE
WHEN MATCHED AND (s.`_dms_change_seq` > t.`_dms_change_seq` OR (s.`_dms_change_seq` = t.`_dms_change_seq` AND s.`_dms_commit_ts` > t.`_dms_commit_ts`)) THEN UPDATE SET
  `customer_id` = s.`customer_id`,
  `status` = s.`status`,
  `amount` = s.`amount`,
  `updated_at` = s.`updated_at`,
  `_dms_commit_ts` = s.`_dms_commit_ts`,
  `_dms_change_seq` = s.`_dms_change_seq`
WHEN NOT MATCHED AND s.`Op` <> 'D' THEN INSERT (
  `id`,
  `customer_id`,
  `status`,
  `amount`,
  `updated_at`,
  `_dms_commit_ts`,
  `_dms_change_seq`
) VALUES (
  s.`id`,
  s.`customer_id`,
  s.`status`,
  s.`amount`,
  s.`updated_at`,
  s.`_dms_commit_ts`,
  s.`_dms_change_seq`
);

-- latestChangePerKey
SELECT
  `Op`,
  `id`,
  `customer_id`,
  `status`,
  `amount`,
  `updated_at`,
  `_dms_commit_ts`,
  `_dms_change_seq`
FROM (
  SELECT
    COALESCE(c.`Op`, 'I') AS `Op`,
    c.`id`,
    c.`customer_id`,
    c.`status`,
    c.`amount`,
    c.`updated_at`,
    c.`_dms_commit_ts`,
    COALESCE(c.`_dms_change_seq`, '') AS `_dms_change_seq`,
    row_number() OVER (
      PARTITION BY c.`id`
      ORDER BY
        COALESCE(c.`_dms_change_seq`, '') DESC,
        c.`_dms_commit_ts` DESC NULLS LAST,
        CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
        element_at(split(input_file_name(), '/'), -1) DESC
    ) AS `_change_rank`
  FROM `raw_sales`.`public_orders` AS c
) AS ranked
WHERE `_change_rank` = 1;

-- addColumn
ALTER TABLE glue_catalog.`curated_sales`.`orders` ADD COLUMNS (`added_later` STRING);

-- widenColumn
ALTER TABLE glue_catalog.`curated_sales`.`orders` ALTER COLUMN `customer_id` TYPE BIGINT;

-- maintenance 1
ALTER TABLE glue_catalog.`curated_sales`.`orders` SET TBLPROPERTIES (
  'history.expire.max-snapshot-age-ms' = '432000000',
  'history.expire.min-snapshots-to-keep' = '1'
);

-- maintenance 2
CALL glue_catalog.system.rewrite_data_files(table => '`curated_sales`.`orders`');

-- maintenance 3
CALL glue_catalog.system.expire_snapshots(table => '`curated_sales`.`orders`', retain_last => 1);
