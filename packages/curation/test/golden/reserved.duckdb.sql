-- createDatabase
CREATE SCHEMA IF NOT EXISTS "group";

-- createTable
CREATE TABLE IF NOT EXISTS "group"."order" (
  "order" BIGINT,
  "group" INTEGER,
  "values" VARCHAR,
  "timestamp" TIMESTAMP,
  "_dms_commit_ts" VARCHAR,
  "_dms_change_seq" VARCHAR,
  "_is_deleted" BOOLEAN,
  "_deleted_at" TIMESTAMP
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
          c."_file_order" DESC,
          c."_row_in_file" DESC
      ) AS "_change_rank"
    FROM _curation_changes AS c
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
  "_deleted_at" = CAST(s."_dms_commit_ts" AS TIMESTAMP)
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
  CASE WHEN s."Op" = 'D' THEN CAST(s."_dms_commit_ts" AS TIMESTAMP) END
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
        c."_file_order" DESC,
        c."_row_in_file" DESC
    ) AS "_change_rank"
  FROM _curation_changes AS c
) AS ranked
WHERE "_change_rank" = 1;

-- addColumn
ALTER TABLE "group"."order" ADD COLUMN "added_later" VARCHAR;

-- widenColumn
ALTER TABLE "group"."order" ALTER COLUMN "group" TYPE BIGINT;

-- maintenance 1
CHECKPOINT;
