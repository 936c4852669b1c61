-- createDatabase
CREATE SCHEMA IF NOT EXISTS "curated_sales";

-- createTable
CREATE TABLE IF NOT EXISTS "curated_sales"."events" (
  "event_time" TIMESTAMP,
  "kind" VARCHAR,
  "payload" VARCHAR,
  "_dms_commit_ts" VARCHAR,
  "_dms_change_seq" VARCHAR
);

-- merge
INSERT INTO "curated_sales"."events" (
  "event_time",
  "kind",
  "payload",
  "_dms_commit_ts",
  "_dms_change_seq"
)
SELECT
  c."event_time",
  c."kind",
  c."payload",
  c."_dms_commit_ts",
  COALESCE(c."_dms_change_seq", '') AS "_dms_change_seq"
FROM _curation_changes AS c
WHERE COALESCE(c."Op", 'I') <> 'D';

-- addColumn
ALTER TABLE "curated_sales"."events" ADD COLUMN "added_later" VARCHAR;

-- maintenance 1
CHECKPOINT;
