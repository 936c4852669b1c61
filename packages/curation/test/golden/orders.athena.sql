-- createDatabase
CREATE DATABASE IF NOT EXISTS `curated_sales`;

-- createTable
CREATE TABLE IF NOT EXISTS `curated_sales`.`orders` (
  `id` bigint,
  `customer_id` int,
  `status` string,
  `amount` decimal(12,2),
  `updated_at` timestamp,
  `_dms_commit_ts` string,
  `_dms_change_seq` string
)
PARTITIONED BY (day(`updated_at`), bucket(16, `id`))
LOCATION 's3://lake-curated/sales/orders/'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd',
  'vacuum_max_snapshot_age_seconds' = '432000',
  'vacuum_min_snapshots_to_keep' = '1',
  'write_target_data_file_size_bytes' = '268435456'
);

-- merge
MERGE INTO "curated_sales"."orders" AS t
USING (
  SELECT
    "Op",
    "id",
    "customer_id",
    "status",
    "amount",
    "updated_at",
    "_dms_commit_ts",
    "_dms_change_seq"
  FROM (
    SELECT
      COALESCE(c."Op", 'I') AS "Op",
      c."id",
      c."customer_id",
      c."status",
      c."amount",
      c."updated_at",
      c."_dms_commit_ts",
      COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq",
      row_number() OVER (
        PARTITION BY c."id"
        ORDER BY
          COALESCE(c."_dms_change_seq", '') DESC,
          c."_dms_commit_ts" DESC NULLS LAST,
          CASE WHEN element_at(split(c."$path", '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
          element_at(split(c."$path", '/'), -1) DESC
      ) AS "_change_rank"
    FROM "raw_sales"."public_orders" AS c
  ) AS ranked
  WHERE "_change_rank" = 1
) AS s
ON t."id" = s."id"
WHEN MATCHED AND s."Op" = 'D' AND (s."_dms_change_seq" > t."_dms_change_seq" OR (s."_dms_change_seq" = t."_dms_change_seq" AND s."_dms_commit_ts" > t."_dms_commit_ts")) THEN DELETE
WHEN MATCHED AND (s."_dms_change_seq" > t."_dms_change_seq" OR (s."_dms_change_seq" = t."_dms_change_seq" AND s."_dms_commit_ts" > t."_dms_commit_ts")) THEN UPDATE SET
  "customer_id" = s."customer_id",
  "status" = s."status",
  "amount" = s."amount",
  "updated_at" = s."updated_at",
  "_dms_commit_ts" = s."_dms_commit_ts",
  "_dms_change_seq" = s."_dms_change_seq"
WHEN NOT MATCHED AND s."Op" <> 'D' THEN INSERT (
  "id",
  "customer_id",
  "status",
  "amount",
  "updated_at",
  "_dms_commit_ts",
  "_dms_change_seq"
) VALUES (
  s."id",
  s."customer_id",
  s."status",
  s."amount",
  s."updated_at",
  s."_dms_commit_ts",
  s."_dms_change_seq"
);

-- latestChangePerKey
SELECT
  "Op",
  "id",
  "customer_id",
  "status",
  "amount",
  "updated_at",
  "_dms_commit_ts",
  "_dms_change_seq"
FROM (
  SELECT
    COALESCE(c."Op", 'I') AS "Op",
    c."id",
    c."customer_id",
    c."status",
    c."amount",
    c."updated_at",
    c."_dms_commit_ts",
    COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq",
    row_number() OVER (
      PARTITION BY c."id"
      ORDER BY
        COALESCE(c."_dms_change_seq", '') DESC,
        c."_dms_commit_ts" DESC NULLS LAST,
        CASE WHEN element_at(split(c."$path", '/'), -1) LIKE 'LOAD%' THEN 0 ELSE 1 END DESC,
        element_at(split(c."$path", '/'), -1) DESC
    ) AS "_change_rank"
  FROM "raw_sales"."public_orders" AS c
) AS ranked
WHERE "_change_rank" = 1;

-- addColumn
ALTER TABLE `curated_sales`.`orders` ADD COLUMNS (`added_later` string);

-- widenColumn
ALTER TABLE `curated_sales`.`orders` CHANGE COLUMN `customer_id` `customer_id` bigint;

-- maintenance 1
OPTIMIZE "curated_sales"."orders" REWRITE DATA USING BIN_PACK;

-- maintenance 2
VACUUM "curated_sales"."orders";
