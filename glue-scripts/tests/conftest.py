import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
GLUE_SCRIPTS = os.path.dirname(HERE)
REPO = os.path.dirname(GLUE_SCRIPTS)
sys.path.insert(0, os.path.join(GLUE_SCRIPTS, "src"))
sys.path.insert(0, GLUE_SCRIPTS)
sys.path.insert(0, HERE)

GOLDEN_DIR = os.path.join(REPO, "packages", "curation", "test", "golden")
# the real DMS full-load file of the project: `shared/` lies beside the repository clone (as
# packages/curation/test/helpers/temp-dir.ts resolves it); DMS_FIXTURE_PATH overrides where it is
DMS_FIXTURE = os.environ.get("DMS_FIXTURE_PATH") or os.path.join(
    os.path.dirname(REPO), "shared", "fixtures", "dms", "postgres_LOAD00000001.parquet")


@pytest.fixture
def dms_fixture():
    """The path of the real DMS file; the test fails (not skips) when it is missing."""
    if not os.path.isfile(DMS_FIXTURE):
        pytest.fail(f"the DMS fixture {DMS_FIXTURE} is missing: put a copy of the project's shared/ folder beside the "
                    "repository clone (shared/fixtures/dms/postgres_LOAD00000001.parquet) or set DMS_FIXTURE_PATH to the file")
    return DMS_FIXTURE


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory):
    return str(tmp_path_factory.mktemp("warehouse"))


@pytest.fixture(scope="session")
def spark(warehouse):
    """One local Spark session (Iceberg HadoopCatalog `glue_catalog` over a temp warehouse) for the whole run."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail("pyspark is not installed in this Python; run the Spark tests with the venv of scripts/install-spark.sh "
                    "($LAKEHOUSE_SPARK_HOME/venv/bin/python -m pytest glue-scripts/tests)")
    from lakehouse_curation.local_session import local_session

    # no table cache: other processes (the CLI tests) commit to the same warehouse
    session = local_session(warehouse, extra={"spark.sql.catalog.glue_catalog.cache-enabled": "false"}, shuffle_partitions=2)
    yield session
    session.stop()


@pytest.fixture
def database(request):
    """A database name of this test's own."""
    import hashlib

    name = "".join(c if c.isalnum() else "_" for c in request.node.name.lower())
    return f"t_{name[:40]}_{hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]}"


@pytest.fixture
def raw_root(tmp_path):
    root = tmp_path / "raw"
    root.mkdir()
    return str(root)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(os.path.join(HERE, "__pycache__"), ignore_errors=True)
