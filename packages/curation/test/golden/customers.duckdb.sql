-- createDatabase
CREATE SCHEMA IF NOT EXISTS "curated_crm";

-- createTable
CREATE TABLE IF NOT EXISTS "curated_crm"."customers" (
  "tenant_id" INTEGER,
  "customer_id" BIGINT,
  "name" VARCHAR,
  "country" VARCHAR,
  "date" DATE,
  "score" DOUBLE,
  "_dms_commit_ts" VARCHAR,
  "_dms_change_seq" VARCHAR,
  "_is_deleted" BOOLEAN,
  "_deleted_at" TIMESTAMP
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
          c."_file_order" DESC,
          c."_row_in_file" DESC
      ) AS "_change_rank"
    FROM _curation_changes AS c
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
  "_deleted_at" = CAST(s."_dms_commit_ts" AS TIMESTAMP)
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
  CASE WHEN s."Op" = 'D' THEN CAST(s."_dms_commit_ts" AS TIMESTAMP) END
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
        c."_file_order" DESC,
        c."_row_in_file" DESC
    ) AS "_change_rank"
  FROM _curation_changes AS c
) AS ranked
WHERE "_change_rank" = 1;

-- addColumn
ALTER TABLE "curated_crm"."customers" ADD COLUMN "added_later" VARCHAR;

-- widenColumn
ALTER TABLE "curated_crm"."customers" ALTER COLUMN "tenant_id" TYPE BIGINT;

-- maintenance 1
CHECKPOINT;
