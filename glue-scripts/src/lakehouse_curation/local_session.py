"""A local SparkSession shaped like Glue 5.0's: Iceberg 1.7.1, the catalog ``glue_catalog`` as a HadoopCatalog over a directory."""

from __future__ import annotations

import os
import tempfile
from typing import Dict, Optional

ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
ICEBERG_JAR = "iceberg-spark-runtime-3.5_2.12-1.7.1.jar"
DEFAULT_HOME = os.path.join(os.path.expanduser("~"), ".cache", "cdc-lakehouse", "spark-3.5.4-iceberg-1.7.1")


class LocalSparkError(RuntimeError):
    """The local Spark installation is missing or incomplete."""


def iceberg_jar() -> str:
    """The Iceberg runtime jar installed by scripts/install-spark.sh (``LAKEHOUSE_ICEBERG_JAR`` overrides it)."""
    explicit = os.environ.get("LAKEHOUSE_ICEBERG_JAR")
    path = explicit or os.path.join(os.environ.get("LAKEHOUSE_SPARK_HOME") or DEFAULT_HOME, "jars", ICEBERG_JAR)
    if not os.path.isfile(path):
        raise LocalSparkError(f"Iceberg runtime jar {path} not found; run scripts/install-spark.sh (or set LAKEHOUSE_ICEBERG_JAR)")
    return path


def session_warehouse_dir() -> str:
    """Where Spark's own session catalog keeps its (unused) ``default`` database: a folder of this user in the
    system temp directory, so no ``spark-warehouse/`` appears in the caller's working directory. Not inside the
    Iceberg warehouse: a HadoopCatalog would list any folder there as a namespace."""
    user = os.getuid() if hasattr(os, "getuid") else "user"
    return os.path.join(tempfile.gettempdir(), f"lakehouse-spark-warehouse-{user}")


def local_conf(warehouse: str, catalog: str = "glue_catalog", shuffle_partitions: int = 4) -> Dict[str, str]:
    prefix = f"spark.sql.catalog.{catalog}"
    return {
        "spark.sql.warehouse.dir": session_warehouse_dir(),
        "spark.jars": iceberg_jar(),
        "spark.sql.extensions": ICEBERG_EXTENSIONS,
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.type": "hadoop",
        f"{prefix}.warehouse": os.path.abspath(warehouse),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.default.parallelism": "2",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": os.environ.get("LAKEHOUSE_SPARK_DRIVER_MEMORY", "1g"),
        "spark.sql.adaptive.enabled": "true",
        # Iceberg 1.7.1's Arrow-vectorized Parquet reads (shaded netty direct buffers) crash this JVM (Debian OpenJDK
        # 17.0.15, SIGSEGV in netty's InternalThreadLocalMap / random VM frames) once a MERGE reads a table of some
        # 100k rows; row-based reads do not. Crash reports go to /tmp, not into the working directory.
        "spark.sql.iceberg.vectorization.enabled": "false",
        "spark.driver.extraJavaOptions": "-XX:ErrorFile=/tmp/lakehouse-spark-hs_err_pid%p.log -XX:ReplayDataFile=/tmp/lakehouse-spark-replay_pid%p.log "
                                         + os.environ.get("LAKEHOUSE_SPARK_JAVA_OPTIONS", ""),
    }


def local_session(warehouse: str, catalog: str = "glue_catalog", app_name: str = "lakehouse-curation",
                  shuffle_partitions: int = 4, extra: Optional[Dict[str, str]] = None):
    """A local[2] SparkSession with ``catalog`` an Iceberg HadoopCatalog over ``warehouse``."""
    if not os.environ.get("JAVA_HOME"):
        java17 = "/usr/lib/jvm/java-17-openjdk-amd64"
        if os.path.isdir(java17):
            os.environ["JAVA_HOME"] = java17  # Glue 5.0 runs Java 17; prefer it over a newer default JDK
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName(app_name)
    for key, value in {**local_conf(warehouse, catalog, shuffle_partitions), **(extra or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
