-- createDatabase
CREATE NAMESPACE IF NOT EXISTS glue_catalog.`curated_crm`;

-- createTable
CREATE TABLE IF NOT EXISTS glue_catalog.`curated_crm`.`customers` (
  `tenant_id` INT,
  `customer_id` BIGINT,
  `name` STRING,
  `country` STRING,
  `date` DATE,
  `score` DOUBLE,
  `_dms_commit_ts` STRING,
  `_dms_change_seq` STRING,
  `_is_deleted` BOOLEAN,
  `_deleted_at` TIMESTAMP_NTZ
)
USING iceberg
PARTITIONED BY (`country`, truncate(4, `name`), months(`date`))
LOCATION 's3://lake-curated/crm/customers/'
TBLPROPERTIES (
  'format-version' = '2',
  'write.format.default' = 'parquet',
  'write.parquet.compression-codec' = 'zstd',
  'write.merge.mode' = 'merge-on-read',
  'write.update.mode' = 'merge-on-read',
  'write.delete.mode' = 'merge-on-read',
  'history.expire.max-snapshot-age-ms' = '259200000',
  'history.expire.min-snapshots-to-keep' = '3'
);

-- merge
MERGE INTO glue_catalog.`curated_crm`.`customers` AS t
USING (
  SELECT
    `Op`,
    `tenant_id`,
    `customer_id`,
    `name`,
    `country`,
    `date`,
    `score`,
    `_dms_commit_ts`,
    `_dms_change_seq`
  FROM (
    SELECT
      COALESCE(c.`Op`, 'I') AS `Op`,
      c.`tenant_id`,
      c.`customer_id`,
      c.`name`,
      c.`country`,
      c.`date`,
      c.`score`,
      c.`_dms_commit_ts`,
      COALESCE(c.`_dms_change_seq`, '') AS `_dms_change_seq`,
      row_number() OVER (
        PARTITION BY c.`tenant_id`, c.`customer_id`
        ORDER BY
          COALESCE(c.`_dms_change_seq`, '') DESC,
          c.`_dms_commit_ts` DESC NULLS LAST,
          CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
          element_at(split(input_file_name(), '/'), -1) DESC
      ) AS `_change_rank`
    FROM `raw_crm`.`crm_customers` AS c
  ) AS ranked
  WHERE `_change_rank` = 1
) AS s
ON t.`tenant_id` = s.`tenant_id` AND t.`customer_id` = s.`customer_id`
WHEN MATCHED AND s.`Op` = 'D' AND (s.`_dms_change_seq` > t.`_dms_change_seq` OR (s.`_dms_change_seq` = t.`_dms_change_seq` AND s.`_dms_commit_ts` > t.`_dms_commit_ts`)) THEN UPDATE SET
  `name` = s.`name`,
  `country` = s.`country`,
  `date` = s.`date`,
  `score` = s.`score`,
  `_dms_commit_ts` = s.`_dms_commit_ts`,
  `_dms_change_seq` = s.`_dms_change_seq`,
  `_is_deleted` = true,
  `_deleted_at` = CAST(s.`_dms_commit_ts` AS TIMESTAMP_NTZ)
WHEN MATCHED AND (s.`_dms_change_seq` > t.`_dms_change_seq` OR (s.`_dms_change_seq` = t.`_dms_change_seq` AND s.`_dms_commit_ts` > t.`_dms_commit_ts`)) THEN UPDATE SET
  `name` = s.`name`,
  `country` = s.`country`,
  `date` = s.`date`,
  `score` = s.`score`,
  `_dms_commit_ts` = s.`_dms_commit_ts`,
  `_dms_change_seq` = s.`_dms_change_seq`,
  `_is_deleted` = false,
  `_deleted_at` = NULL
WHEN NOT MATCHED THEN INSERT (
  `tenant_id`,
  `customer_id`,
  `name`,
  `country`,
  `date`,
  `score`,
  `_dms_commit_ts`,
  `_dms_change_seq`,
  `_is_deleted`,
  `_deleted_at`
) VALUES (
  s.`tenant_id`,
  s.`customer_id`,
  s.`name`,
  s.`country`,
  s.`date`,
  s.`score`,
  s.`_dms_commit_ts`,
  s.`_dms_change_seq`,
  s.`Op` = 'D',
  CASE WHEN s.`Op` = 'D' THEN CAST(s.`_dms_commit_ts` AS TIMESTAMP_NTZ) END
);

-- latestChangePerKey
SELECT
  `Op`,
  `tenant_id`,
  `customer_id`,
  `name`,
  `country`,
  `date`,
  `score`,
  `_dms_commit_ts`,
  `_dms_change_seq`
FROM (
  SELECT
    COALESCE(c.`Op`, 'I') AS `Op`,
    c.`tenant_id`,
    c.`customer_id`,
    c.`name`,
    c.`country`,
    c.`date`,
    c.`score`,
    c.`_dms_commit_ts`,
    COALESCE(c.`_dms_change_seq`, '') AS `_dms_change_seq`,
    row_number() OVER (
      PARTITION BY c.`tenant_id`, c.`customer_id`
      ORDER BY
        COALESCE(c.`_dms_change_seq`, '') DESC,
        c.`_dms_commit_ts` DESC NULLS LAST,
        CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
        element_at(split(input_file_name(), '/'), -1) DESC
    ) AS `_change_rank`
  FROM `raw_crm`.`crm_customers` AS c
) AS ranked
WHERE `_change_rank` = 1;

-- addColumn
ALTER TABLE glue_catalog.`curated_crm`.`customers` ADD COLUMNS (`added_later` STRING);

-- widenColumn
ALTER TABLE glue_catalog.`curated_crm`.`customers` ALTER COLUMN `tenant_id` TYPE BIGINT;

-- maintenance 1
ALTER TABLE glue_catalog.`curated_crm`.`customers` SET TBLPROPERTIES (
  'history.expire.max-snapshot-age-ms' = '259200000',
  'history.expire.min-snapshots-to-keep' = '3'
);

-- maintenance 2
CALL glue_catalog.system.rewrite_data_files(table => '`curated_crm`.`customers`');

-- maintenance 3
CALL glue_catalog.system.expire_snapshots(table => '`curated_crm`.`customers`', retain_last => 3);
