-- createDatabase
CREATE SCHEMA IF NOT EXISTS "curated_sales";

-- createTable
CREATE TABLE IF NOT EXISTS "curated_sales"."orders" (
  "id" BIGINT,
  "customer_id" INTEGER,
  "status" VARCHAR,
  "amount" DECIMAL(12,2),
  "updated_at" TIMESTAMP,
  "_dms_commit_ts" VARCHAR,
  "_dms_change_seq" VARCHAR
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
          c."_file_order" DESC,
          c."_row_in_file" DESC
      ) AS "_change_rank"
    FROM _curation_changes AS c
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
        c."_file_order" DESC,
        c."_row_in_file" DESC
    ) AS "_change_rank"
  FROM _curation_changes AS c
) AS ranked
WHERE "_change_rank" = 1;

-- addColumn
ALTER TABLE "curated_sales"."orders" ADD COLUMN "added_later" VARCHAR;

-- widenColumn
ALTER TABLE "curated_sales"."orders" ALTER COLUMN "customer_id" TYPE BIGINT;

-- maintenance 1
CHECKPOINT;
