-- createDatabase
CREATE NAMESPACE IF NOT EXISTS glue_catalog.`group`;

-- createTable
CREATE TABLE IF NOT EXISTS glue_catalog.`group`.`order` (
  `order` BIGINT,
  `group` INT,
  `values` STRING,
  `timestamp` TIMESTAMP_NTZ,
  `_dms_commit_ts` STRING,
  `_dms_change_seq` STRING,
  `_is_deleted` BOOLEAN,
  `_deleted_at` TIMESTAMP_NTZ
)
USING iceberg
PARTITIONED BY (days(`timestamp`), `group`)
LOCATION 's3://lake-curated/group/order/'
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
MERGE INTO glue_catalog.`group`.`order` AS t
USING (
  SELECT
    `Op`,
    `order`,
    `group`,
    `values`,
    `timestamp`,
    `_dms_commit_ts`,
    `_dms_change_seq`
  FROM (
    SELECT
      COALESCE(c.`Op`, 'I') AS `Op`,
      c.`order`,
      c.`group`,
      c.`values`,
      c.`timestamp`,
      c.`_dms_commit_ts`,
      COALESCE(c.`_dms_change_seq`, '') AS `_dms_change_seq`,
      row_number() OVER (
        PARTITION BY c.`order`
        ORDER BY
          COALESCE(c.`_dms_change_seq`, '') DESC,
          c.`_dms_commit_ts` DESC NULLS LAST,
          CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
          element_at(split(input_file_name(), '/'), -1) DESC
      ) AS `_change_rank`
    FROM `values`.`order` AS c
  ) AS ranked
  WHERE `_change_rank` = 1
) AS s
ON t.`order` = s.`order`
WHEN MATCHED AND s.`Op` = 'D' AND (s.`_dms_change_seq` > t.`_dms_change_seq` OR (s.`_dms_change_seq` = t.`_dms_change_seq` AND s.`_dms_commit_ts` > t.`_dms_commit_ts`)) THEN UPDATE SET
  `group` = s.`group`,
  `values` = s.`values`,
  `timestamp` = s.`timestamp`,
  `_dms_commit_ts` = s.`_dms_commit_ts`,
  `_dms_change_seq` = s.`_dms_change_seq`,
  `_is_deleted` = true,
  `_deleted_at` = CAST(s.`_dms_commit_ts` AS TIMESTAMP_NTZ)
WHEN MATCHED AND (s.`_dms_change_seq` > t.`_dms_change_seq` OR (s.`_dms_change_seq` = t.`_dms_change_seq` AND s.`_dms_commit_ts` > t.`_dms_commit_ts`)) THEN UPDATE SET
  `group` = s.`group`,
  `values` = s.`values`,
  `timestamp` = s.`timestamp`,
  `_dms_commit_ts` = s.`_dms_commit_ts`,
  `_dms_change_seq` = s.`_dms_change_seq`,
  `_is_deleted` = false,
  `_deleted_at` = NULL
WHEN NOT MATCHED THEN INSERT (
  `order`,
  `group`,
  `values`,
  `timestamp`,
  `_dms_commit_ts`,
  `_dms_change_seq`,
  `_is_deleted`,
  `_deleted_at`
) VALUES (
  s.`order`,
  s.`group`,
  s.`values`,
  s.`timestamp`,
  s.`_dms_commit_ts`,
  s.`_dms_change_seq`,
  s.`Op` = 'D',
  CASE WHEN s.`Op` = 'D' THEN CAST(s.`_dms_commit_ts` AS TIMESTAMP_NTZ) END
);

-- latestChangePerKey
SELECT
  `Op`,
  `order`,
  `group`,
  `values`,
  `timestamp`,
  `_dms_commit_ts`,
  `_dms_change_seq`
FROM (
  SELECT
    COALESCE(c.`Op`, 'I') AS `Op`,
    c.`order`,
    c.`group`,
    c.`values`,
    c.`timestamp`,
    c.`_dms_commit_ts`,
    COALESCE(c.`_dms_change_seq`, '') AS `_dms_change_seq`,
    row_number() OVER (
      PARTITION BY c.`order`
      ORDER BY
        COALESCE(c.`_dms_change_seq`, '') DESC,
        c.`_dms_commit_ts` DESC NULLS LAST,
        CASE WHEN element_at(split(input_file_name(), '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
        element_at(split(input_file_name(), '/'), -1) DESC
    ) AS `_change_rank`
  FROM `values`.`order` AS c
) AS ranked
WHERE `_change_rank` = 1;

-- addColumn
ALTER TABLE glue_catalog.`group`.`order` ADD COLUMNS (`added_later` STRING);

-- widenColumn
ALTER TABLE glue_catalog.`group`.`order` ALTER COLUMN `group` TYPE BIGINT;

-- maintenance 1
ALTER TABLE glue_catalog.`group`.`order` SET TBLPROPERTIES (
  'history.expire.max-snapshot-age-ms' = '432000000',
  'history.expire.min-snapshots-to-keep' = '1'
);

-- maintenance 2
CALL glue_catalog.system.rewrite_data_files(table => '`group`.`order`');

-- maintenance 3
CALL glue_catalog.system.expire_snapshots(table => '`group`.`order`', retain_last => 1);
