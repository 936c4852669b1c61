"""Curation of DMS raw Parquet files into Iceberg tables with Spark: the job core AWS Glue runs and the local CLI.

Modules (one concern each): ``spec`` (the job spec the TypeScript generator writes), ``raw_zone`` (listing,
classification and apply plan of a table's raw files), ``schema`` (schema evolution), ``watermark`` (the
watermark kept in the Iceberg snapshot summary), ``job`` (the core: a SparkSession in, curated tables out).
"""
