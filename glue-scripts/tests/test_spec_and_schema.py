"""Job spec loading and schema evolution rules (no Spark)."""

import copy
import json

import pytest

import spec_builder
from lakehouse_curation.job import Batch, batch_watermark, cut_batches, kill_hook_from_env
from lakehouse_curation.raw_zone import RawObject, classify, plan_apply, table_files
from lakehouse_curation.schema import RawColumn, RawFileSchema, SchemaChange, SchemaEvolutionError, evolve_schema, spark_sql_type
from lakehouse_curation.spec import SpecError, fill, load_job_spec


def good():
    return spec_builder.job_spec(spec_builder.table_spec("curated_sales", "orders", columns=[{"name": "id", "type": "bigint"}]))


def test_a_contract_spec_loads():
    spec = load_job_spec(json.dumps(good()))
    table = spec.tables[0]
    assert (spec.catalog, table.name, table.raw_folder, table.mode, table.columns) == (
        "glue_catalog", "curated_sales.orders", "public/orders", "merge", (("id", "bigint"),))
    assert spec.raw_format.change_sequence_column == "_dms_change_seq"
    assert table.sql.truncate == "DELETE FROM glue_catalog.`curated_sales`.`orders`"


def mutate(path, value):
    spec = copy.deepcopy(good())
    target = spec
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(spec)


@pytest.mark.parametrize("text,message", [
    ("{", "job spec is not valid JSON"),
    ("[]", "job spec must be a JSON object"),
    (mutate(["version"], 1), "job spec version 1 is not supported; expected 3"),
    (mutate(["tables"], []), "needs a non-empty 'tables' list"),
    (mutate(["catalog"], "glue-catalog"), "catalog must be a plain identifier"),
    (mutate(["tables", 0, "sql", "merge"], KeyError), "table curated_sales.orders.sql has no 'merge'"),
    (mutate(["tables", 0, "sql", "merge"], " "), "sql.merge must be a non-empty string"),
    (mutate(["tables", 0, "sql", "addColumn"], "ALTER TABLE t ADD COLUMNS (x INT)"), "addColumn lacks the placeholder\\(s\\) \\{column\\}, \\{type\\}"),
    (mutate(["tables", 0, "mode"], "upsert"), "mode must be 'merge' or 'append-only'"),
    (mutate(["tables", 0, "deletes"], "maybe"), "deletes must be 'hard' or 'soft'"),
    (mutate(["tables", 0, "name"], "x.y"), "name must be database.table \\(curated_sales.orders\\)"),
    (mutate(["rawFormat", "cdcFileName"], "(["), "rawFormat.cdcFileName '\\(\\[' is not a valid regular expression"),
    (mutate(["rawFormat", "changeSequenceColumn"], ""), "changeSequenceColumn must be a column name or null"),
])
def test_bad_specs_are_refused_with_the_reason(text, message):
    with pytest.raises(SpecError, match=message):
        load_job_spec(text)


def test_soft_delete_columns_named_like_iceberg_metadata_columns_are_refused():
    spec = spec_builder.job_spec(spec_builder.table_spec("db", "t", deletes="soft", deleted="_deleted"))
    with pytest.raises(SpecError, match="bookkeeping column _deleted is an Iceberg metadata column name"):
        load_job_spec(json.dumps(spec))
    spec["tables"][0]["softDeleteColumns"]["deleted"] = "_is_deleted"
    assert load_job_spec(json.dumps(spec)).tables[0].deleted_column == "_is_deleted"


def test_soft_delete_columns_default_to_is_deleted_and_deleted_at():
    """A soft-delete spec naming neither softDeleteColumns nor bookkeepingColumns gets the generator's names."""
    spec = spec_builder.job_spec(spec_builder.table_spec("db", "t", deletes="soft"))
    del spec["tables"][0]["softDeleteColumns"]
    table = load_job_spec(json.dumps(spec)).tables[0]
    assert (table.deleted_column, table.deleted_at_column) == ("_is_deleted", "_deleted_at")
    assert table.bookkeeping == (("_dms_commit_ts", "STRING"), ("_dms_change_seq", "STRING"), ("_is_deleted", "BOOLEAN"),
                                 ("_deleted_at", "TIMESTAMP_NTZ"))


@pytest.mark.parametrize("name", ["_deleted", "_POS", "_file", "_spec_id", "_partition"])
def test_declared_columns_named_like_iceberg_metadata_columns_are_refused(name):
    spec = spec_builder.job_spec(spec_builder.table_spec("db", "t", columns=[{"name": "id", "type": "bigint"}, {"name": name, "type": "string"}]))
    with pytest.raises(SpecError, match=f"table db.t: column {name} is an Iceberg metadata column name .* rename the column"):
        load_job_spec(json.dumps(spec))


def test_duplicate_and_unknown_tables_are_named():
    spec = good()
    spec["tables"].append(copy.deepcopy(spec["tables"][0]))
    with pytest.raises(SpecError, match="names table\\(s\\) curated_sales.orders more than once"):
        load_job_spec(json.dumps(spec))
    with pytest.raises(SpecError, match="--tables names db.nope, not in the job spec"):
        load_job_spec(json.dumps(good())).select(["db.nope"])


def test_placeholders_are_filled_with_quoted_identifiers():
    assert fill("ALTER TABLE t ADD COLUMNS ({column} {type})", "we`ird", "DECIMAL(12,2)") == "ALTER TABLE t ADD COLUMNS (`we``ird` DECIMAL(12,2))"
    assert spark_sql_type("timestamp") == "TIMESTAMP_NTZ"
    assert spark_sql_type("decimal(12, 2)") == "DECIMAL(12,2)"


def raw(file, *columns):
    return RawFileSchema(file, tuple(RawColumn(n, t, t or "struct<a:int>") for n, t in columns))


def test_evolution_adds_columns_and_applies_widenings_only():
    columns, changes = evolve_schema("db.t", [("id", "int"), ("price", "decimal(10,2)"), ("ratio", "float")], [
        raw("f1", ("ID", "bigint"), ("price", "decimal(12,2)"), ("note", "string")),
        raw("f2", ("ratio", "double"), ("id", "int")),
    ])
    assert columns == [("id", "bigint"), ("price", "decimal(12,2)"), ("ratio", "double"), ("note", "string")]
    assert changes == [SchemaChange("widen", "id", "bigint", "int"), SchemaChange("widen", "price", "decimal(12,2)", "decimal(10,2)"),
                       SchemaChange("widen", "ratio", "double", "float"), SchemaChange("add", "note", "string")]


@pytest.mark.parametrize("current,incoming", [
    ("bigint", "string"), ("string", "int"), ("decimal(10,2)", "decimal(12,4)"), ("bigint", "double"), ("timestamp", "date"),
])
def test_other_type_changes_raise_the_named_error(current, incoming):
    with pytest.raises(SchemaEvolutionError, match=f'table db.t: column "v" changed type from .* in raw file f9; only int→bigint'):
        evolve_schema("db.t", [("v", current)], [raw("f9", ("v", incoming))])


def test_unsupported_raw_types_are_refused():
    with pytest.raises(SchemaEvolutionError, match='column "s" changed type from \\(new column\\) to struct<a:int>'):
        evolve_schema("db.t", [], [raw("f1", ("s", None))])


def test_batches_keep_the_load_whole_and_watermarks_count_files():
    objects = [RawObject(f"LOAD0000000{i}.parquet", f"/r/{i}", 1, 1) for i in (1, 2, 3)]
    objects += [RawObject(f"20221023-00000000{i}.parquet", f"/r/c{i}", 1, 2) for i in range(5)]
    plan = plan_apply(table_files(classify(objects, "/r")), None)
    batches = cut_batches(plan, 2)
    assert [len(b.files) for b in batches] == [3, 2, 2, 1]
    assert [b.rebuild for b in batches] == [True, False, False, False]
    first = batch_watermark(batches[0], plan, None)
    assert (first.last_cdc_order_key, first.files_applied) == (None, 3)
    second = batch_watermark(batches[1], plan, first)
    assert (second.last_file, second.files_applied) == ("20221023-000000001.parquet", 5)
    assert batch_watermark(Batch(plan.load, True), plan, second).files_applied == 3


def test_kill_hook_parses_table_stage_batch():
    assert kill_hook_from_env({}) is None
    assert callable(kill_hook_from_env({"LAKEHOUSE_CURATION_KILL_AT": "db.t:merged:1"}))
    with pytest.raises(SpecError, match="expected <db.table>:<stage>"):
        kill_hook_from_env({"LAKEHOUSE_CURATION_KILL_AT": "db.t:later"})
