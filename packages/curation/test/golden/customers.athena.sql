-- createDatabase
CREATE DATABASE IF NOT EXISTS `curated_crm`;

-- createTable
CREATE TABLE IF NOT EXISTS `curated_crm`.`customers` (
  `tenant_id` int,
  `customer_id` bigint,
  `name` string,
  `country` string,
  `date` date,
  `score` double,
  `_dms_commit_ts` string,
  `_dms_change_seq` string,
  `_is_deleted` boolean,
  `_deleted_at` timestamp
)
PARTITIONED BY (`country`, truncate(4, `name`), month(`date`))
LOCATION 's3://lake-curated/crm/customers/'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd',
  'vacuum_max_snapshot_age_seconds' = '259200',
  'vacuum_min_snapshots_to_keep' = '3'
);

-- merge
MERGE INTO "curated_crm"."customers" AS t
USING (
  SELECT
    "Op",
    "tenant_id",
    "customer_id",
    "name",
    "country",
    "date",
    "score",
    "_dms_commit_ts",
    "_dms_change_seq"
  FROM (
    SELECT
      COALESCE(c."Op", 'I') AS "Op",
      c."tenant_id",
      c."customer_id",
      c."name",
      c."country",
      c."date",
      c."score",
      c."_dms_commit_ts",
      COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq",
      row_number() OVER (
        PARTITION BY c."tenant_id", c."customer_id"
        ORDER BY
          COALESCE(c."_dms_change_seq", '') DESC,
          c."_dms_commit_ts" DESC NULLS LAST,
          CASE WHEN element_at(split(c."$path", '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
          element_at(split(c."$path", '/'), -1) DESC
      ) AS "_change_rank"
    FROM "raw_crm"."crm_customers" AS c
  ) AS ranked
  WHERE "_change_rank" = 1
) AS s
ON t."tenant_id" = s."tenant_id" AND t."customer_id" = s."customer_id"
WHEN MATCHED AND s."Op" = 'D' AND (s."_dms_change_seq" > t."_dms_change_seq" OR (s."_dms_change_seq" = t."_dms_change_seq" AND s."_dms_commit_ts" > t."_dms_commit_ts")) THEN UPDATE SET
  "name" = s."name",
  "country" = s."country",
  "date" = s."date",
  "score" = s."score",
  "_dms_commit_ts" = s."_dms_commit_ts",
  "_dms_change_seq" = s."_dms_change_seq",
  "_is_deleted" = true,
  "_deleted_at" = CAST(s."_dms_commit_ts" AS timestamp(6))
WHEN MATCHED AND (s."_dms_change_seq" > t."_dms_change_seq" OR (s."_dms_change_seq" = t."_dms_change_seq" AND s."_dms_commit_ts" > t."_dms_commit_ts")) THEN UPDATE SET
  "name" = s."name",
  "country" = s."country",
  "date" = s."date",
  "score" = s."score",
  "_dms_commit_ts" = s."_dms_commit_ts",
  "_dms_change_seq" = s."_dms_change_seq",
  "_is_deleted" = false,
  "_deleted_at" = NULL
WHEN NOT MATCHED THEN INSERT (
  "tenant_id",
  "customer_id",
  "name",
  "country",
  "date",
  "score",
  "_dms_commit_ts",
  "_dms_change_seq",
  "_is_deleted",
  "_deleted_at"
) VALUES (
  s."tenant_id",
  s."customer_id",
  s."name",
  s."country",
  s."date",
  s."score",
  s."_dms_commit_ts",
  s."_dms_change_seq",
  s."Op" = 'D',
  CASE WHEN s."Op" = 'D' THEN CAST(s."_dms_commit_ts" AS timestamp(6)) END
);

-- latestChangePerKey
SELECT
  "Op",
  "tenant_id",
  "customer_id",
  "name",
  "country",
  "date",
  "score",
  "_dms_commit_ts",
  "_dms_change_seq"
FROM (
  SELECT
    COALESCE(c."Op", 'I') AS "Op",
    c."tenant_id",
    c."customer_id",
    c."name",
    c."country",
    c."date",
    c."score",
    c."_dms_commit_ts",
    COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq",
    row_number() OVER (
      PARTITION BY c."tenant_id", c."customer_id"
      ORDER BY
        COALESCE(c."_dms_change_seq", '') DESC,
        c."_dms_commit_ts" DESC NULLS LAST,
        CASE WHEN element_at(split(c."$path", '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
        element_at(split(c."$path", '/'), -1) DESC
    ) AS "_change_rank"
  FROM "raw_crm"."crm_customers" AS c
) AS ranked
WHERE "_change_rank" = 1;

-- addColumn
ALTER TABLE `curated_crm`.`customers` ADD COLUMNS (`added_later` string);

-- widenColumn
ALTER TABLE `curated_crm`.`customers` CHANGE COLUMN `tenant_id` `tenant_id` bigint;

-- maintenance 1
OPTIMIZE "curated_crm"."customers" REWRITE DATA USING BIN_PACK;

-- maintenance 2
VACUUM "curated_crm"."customers";
