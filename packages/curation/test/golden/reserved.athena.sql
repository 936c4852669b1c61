-- createDatabase
CREATE DATABASE IF NOT EXISTS `group`;

-- createTable
CREATE TABLE IF NOT EXISTS `group`.`order` (
  `order` bigint,
  `group` int,
  `values` string,
  `timestamp` timestamp,
  `_dms_commit_ts` string,
  `_dms_change_seq` string,
  `_is_deleted` boolean,
  `_deleted_at` timestamp
)
PARTITIONED BY (day(`timestamp`), `group`)
LOCATION 's3://lake-curated/group/order/'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd',
  'vacuum_max_snapshot_age_seconds' = '432000',
  'vacuum_min_snapshots_to_keep' = '1'
);

-- merge
MERGE INTO "group"."order" AS t
USING (
  SELECT
    "Op",
    "order",
    "group",
    "values",
    "timestamp",
    "_dms_commit_ts",
    "_dms_change_seq"
  FROM (
    SELECT
      COALESCE(c."Op", 'I') AS "Op",
      c."order",
      c."group",
      c."values",
      c."timestamp",
      c."_dms_commit_ts",
      COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq",
      row_number() OVER (
        PARTITION BY c."order"
        ORDER BY
          COALESCE(c."_dms_change_seq", '') DESC,
          c."_dms_commit_ts" DESC NULLS LAST,
          CASE WHEN element_at(split(c."$path", '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
          element_at(split(c."$path", '/'), -1) DESC
      ) AS "_change_rank"
    FROM "values"."order" AS c
  ) AS ranked
  WHERE "_change_rank" = 1
) AS s
ON t."order" = s."order"
WHEN MATCHED AND s."Op" = 'D' AND (s."_dms_change_seq" > t."_dms_change_seq" OR (s."_dms_change_seq" = t."_dms_change_seq" AND s."_dms_commit_ts" > t."_dms_commit_ts")) THEN UPDATE SET
  "group" = s."group",
  "values" = s."values",
  "timestamp" = s."timestamp",
  "_dms_commit_ts" = s."_dms_commit_ts",
  "_dms_change_seq" = s."_dms_change_seq",
  "_is_deleted" = true,
  "_deleted_at" = CAST(s."_dms_commit_ts" AS timestamp(6))
WHEN MATCHED AND (s."_dms_change_seq" > t."_dms_change_seq" OR (s."_dms_change_seq" = t."_dms_change_seq" AND s."_dms_commit_ts" > t."_dms_commit_ts")) THEN UPDATE SET
  "group" = s."group",
  "values" = s."values",
  "timestamp" = s."timestamp",
  "_dms_commit_ts" = s."_dms_commit_ts",
  "_dms_change_seq" = s."_dms_change_seq",
  "_is_deleted" = false,
  "_deleted_at" = NULL
WHEN NOT MATCHED THEN INSERT (
  "order",
  "group",
  "values",
  "timestamp",
  "_dms_commit_ts",
  "_dms_change_seq",
  "_is_deleted",
  "_deleted_at"
) VALUES (
  s."order",
  s."group",
  s."values",
  s."timestamp",
  s."_dms_commit_ts",
  s."_dms_change_seq",
  s."Op" = 'D',
  CASE WHEN s."Op" = 'D' THEN CAST(s."_dms_commit_ts" AS timestamp(6)) END
);

-- latestChangePerKey
SELECT
  "Op",
  "order",
  "group",
  "values",
  "timestamp",
  "_dms_commit_ts",
  "_dms_change_seq"
FROM (
  SELECT
    COALESCE(c."Op", 'I') AS "Op",
    c."order",
    c."group",
    c."values",
    c."timestamp",
    c."_dms_commit_ts",
    COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq",
    row_number() OVER (
      PARTITION BY c."order"
      ORDER BY
        COALESCE(c."_dms_change_seq", '') DESC,
        c."_dms_commit_ts" DESC NULLS LAST,
        CASE WHEN element_at(split(c."$path", '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
        element_at(split(c."$path", '/'), -1) DESC
    ) AS "_change_rank"
  FROM "values"."order" AS c
) AS ranked
WHERE "_change_rank" = 1;

-- addColumn
ALTER TABLE `group`.`order` ADD COLUMNS (`added_later` string);

-- widenColumn
ALTER TABLE `group`.`order` CHANGE COLUMN `group` `group` bigint;

-- maintenance 1
OPTIMIZE "group"."order" REWRITE DATA USING BIN_PACK;

-- maintenance 2
VACUUM "group"."order";
