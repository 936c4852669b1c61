-- createDatabase
CREATE SCHEMA IF NOT EXISTS "curated_pg";

-- createTable
CREATE TABLE IF NOT EXISTS "curated_pg"."dms_test_table" (
  "id" BIGINT,
  "my_int" INTEGER,
  "my_smallint" INTEGER,
  "my_numeric" DECIMAL(15,2),
  "my_real" FLOAT,
  "my_double" DOUBLE,
  "my_money" DECIMAL(38,4),
  "my_varchar" VARCHAR,
  "my_text" VARCHAR,
  "my_bytea" BLOB,
  "my_timestamp" TIMESTAMP,
  "my_uuid" VARCHAR,
  "my_json" VARCHAR,
  "my_jsonb" VARCHAR,
  "my_bool" BOOLEAN,
  "DMS_TIMESTAMP" VARCHAR
);

-- merge
MERGE INTO "curated_pg"."dms_test_table" AS t
USING (
  SELECT
    "Op",
    "id",
    "my_int",
    "my_smallint",
    "my_numeric",
    "my_real",
    "my_double",
    "my_money",
    "my_varchar",
    "my_text",
    "my_bytea",
    "my_timestamp",
    "my_uuid",
    "my_json",
    "my_jsonb",
    "my_bool",
    "DMS_TIMESTAMP"
  FROM (
    SELECT
      COALESCE(c."Op", 'I') AS "Op",
      c."id",
      c."my_int",
      c."my_smallint",
      c."my_numeric",
      c."my_real",
      c."my_double",
      c."my_money",
      c."my_varchar",
      c."my_text",
      c."my_bytea",
      c."my_timestamp",
      c."my_uuid",
      c."my_json",
      c."my_jsonb",
      c."my_bool",
      c."DMS_TIMESTAMP",
      row_number() OVER (
        PARTITION BY c."id"
        ORDER BY
          c."DMS_TIMESTAMP" DESC NULLS LAST,
          c."_file_order" DESC,
          c."_row_in_file" DESC
      ) AS "_change_rank"
    FROM _curation_changes AS c
  ) AS ranked
  WHERE "_change_rank" = 1
) AS s
ON t."id" = s."id"
WHEN MATCHED AND s."Op" = 'D' AND s."DMS_TIMESTAMP" >= t."DMS_TIMESTAMP" THEN DELETE
WHEN MATCHED AND s."DMS_TIMESTAMP" >= t."DMS_TIMESTAMP" THEN UPDATE SET
  "my_int" = s."my_int",
  "my_smallint" = s."my_smallint",
  "my_numeric" = s."my_numeric",
  "my_real" = s."my_real",
  "my_double" = s."my_double",
  "my_money" = s."my_money",
  "my_varchar" = s."my_varchar",
  "my_text" = s."my_text",
  "my_bytea" = s."my_bytea",
  "my_timestamp" = s."my_timestamp",
  "my_uuid" = s."my_uuid",
  "my_json" = s."my_json",
  "my_jsonb" = s."my_jsonb",
  "my_bool" = s."my_bool",
  "DMS_TIMESTAMP" = s."DMS_TIMESTAMP"
WHEN NOT MATCHED AND s."Op" <> 'D' THEN INSERT (
  "id",
  "my_int",
  "my_smallint",
  "my_numeric",
  "my_real",
  "my_double",
  "my_money",
  "my_varchar",
  "my_text",
  "my_bytea",
  "my_timestamp",
  "my_uuid",
  "my_json",
  "my_jsonb",
  "my_bool",
  "DMS_TIMESTAMP"
) VALUES (
  s."id",
  s."my_int",
  s."my_smallint",
  s."my_numeric",
  s."my_real",
  s."my_double",
  s."my_money",
  s."my_varchar",
  s."my_text",
  s."my_bytea",
  s."my_timestamp",
  s."my_uuid",
  s."my_json",
  s."my_jsonb",
  s."my_bool",
  s."DMS_TIMESTAMP"
);

-- latestChangePerKey
SELECT
  "Op",
  "id",
  "my_int",
  "my_smallint",
  "my_numeric",
  "my_real",
  "my_double",
  "my_money",
  "my_varchar",
  "my_text",
  "my_bytea",
  "my_timestamp",
  "my_uuid",
  "my_json",
  "my_jsonb",
  "my_bool",
  "DMS_TIMESTAMP"
FROM (
  SELECT
    COALESCE(c."Op", 'I') AS "Op",
    c."id",
    c."my_int",
    c."my_smallint",
    c."my_numeric",
    c."my_real",
    c."my_double",
    c."my_money",
    c."my_varchar",
    c."my_text",
    c."my_bytea",
    c."my_timestamp",
    c."my_uuid",
    c."my_json",
    c."my_jsonb",
    c."my_bool",
    c."DMS_TIMESTAMP",
    row_number() OVER (
      PARTITION BY c."id"
      ORDER BY
        c."DMS_TIMESTAMP" DESC NULLS LAST,
        c."_file_order" DESC,
        c."_row_in_file" DESC
    ) AS "_change_rank"
  FROM _curation_changes AS c
) AS ranked
WHERE "_change_rank" = 1;

-- addColumn
ALTER TABLE "curated_pg"."dms_test_table" ADD COLUMN "added_later" VARCHAR;

-- widenColumn
ALTER TABLE "curated_pg"."dms_test_table" ALTER COLUMN "my_int" TYPE BIGINT;

-- maintenance 1
CHECKPOINT;
