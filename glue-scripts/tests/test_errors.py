"""One-line error descriptions: the innermost Java cause of a JVM failure."""

import pytest

from lakehouse_curation.errors import describe_error, innermost_java_cause, one_line


def test_a_python_error_is_named_by_type_and_first_line():
    assert describe_error(ValueError("\n  bad value\nmore detail")) == "ValueError: bad value"
    assert describe_error(KeyError()) == "KeyError: (no message)"
    assert one_line("\n\n  x \ny") == "x" and one_line(None) == ""


def test_a_failed_spark_job_names_the_innermost_java_exception(spark):
    from py4j.protocol import Py4JJavaError

    with pytest.raises(Py4JJavaError) as caught:
        spark.sql("SELECT assert_true(id < 0, 'id is not negative') FROM range(2)").collect()
    assert str(caught.value).startswith("An error occurred while calling")  # what the job reported before
    assert describe_error(caught.value) == "java.lang.RuntimeException: id is not negative"


def test_pyspark_captured_exceptions_name_their_java_exception(spark):
    from pyspark.errors import AnalysisException, ParseException

    with pytest.raises(ParseException) as parse:
        spark.sql("SELEC 1")
    # the Java message starts with a blank line: the first non-blank one is taken
    assert describe_error(parse.value) == ("org.apache.spark.sql.catalyst.parser.ParseException: "
                                           "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'.(line 1, pos 0)")
    with pytest.raises(AnalysisException) as missing:
        spark.sql("SELECT * FROM glue_catalog.nowhere.none")
    assert describe_error(missing.value).startswith(
        "org.apache.spark.sql.catalyst.ExtendedAnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view "
        "`glue_catalog`.`nowhere`.`none` cannot be found.")


def test_an_innermost_exception_without_message_takes_the_nearest_enclosing_one(spark):
    jvm = spark._jvm
    bare = jvm.java.lang.RuntimeException("outer", jvm.java.lang.IllegalStateException("  \ninner detail"))
    assert innermost_java_cause(bare) == "java.lang.IllegalStateException: inner detail"
    silent = jvm.java.lang.RuntimeException("outer only", jvm.java.lang.IllegalStateException())
    assert innermost_java_cause(silent) == "java.lang.IllegalStateException: outer only"
