"""One-line descriptions of errors, naming the Java cause of a JVM failure.

A statement that fails in the JVM reaches Python as ``py4j.protocol.Py4JJavaError`` ("An error occurred while
calling o51.sql.", the cause only in a multi-line Java stack trace) or as one of PySpark's captured exceptions
(``AnalysisException``, ``IllegalArgumentException``, …, built over the Java exception). :func:`describe_error`
walks the Java exception's ``getCause()`` chain to the innermost exception and returns its class and message.
"""

from __future__ import annotations

from typing import Optional

# a cause chain longer than this is cut (Throwable.getCause() of a well-formed chain ends in null)
MAX_CAUSE_DEPTH = 64


def one_line(text: Optional[str]) -> str:
    """The first non-blank line of ``text``, stripped ('' when there is none)."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def java_throwable(err: BaseException):
    """The Java exception behind a Py4JJavaError or a PySpark captured exception; None for a Python error."""
    try:
        from py4j.protocol import Py4JJavaError
    except ImportError:  # without py4j no error can come from a JVM
        return None
    if isinstance(err, Py4JJavaError):
        return err.java_exception
    try:
        from pyspark.errors.exceptions.captured import CapturedException
    except ImportError:  # py4j without pyspark: only Py4JJavaError carries a Java exception
        return None
    if isinstance(err, CapturedException):
        return getattr(err, "_origin", None)  # None when PySpark built it without a Java exception
    return None


def innermost_java_cause(throwable) -> str:
    """``<class name>: <first line of the message>`` of the innermost exception of a Java cause chain.

    When the innermost exception has no message, the nearest enclosing message is used.
    """
    chain = [throwable]
    while len(chain) < MAX_CAUSE_DEPTH:
        cause = chain[-1].getCause()
        if cause is None:
            break
        chain.append(cause)
    name = str(chain[-1].getClass().getName())
    for link in reversed(chain):
        message = one_line(link.getMessage())
        if message:
            return f"{name}: {message}"
    return name


def describe_error(err: BaseException) -> str:
    """One line naming ``err``: the innermost Java exception (class and message) of a JVM failure, else the
    Python exception's type and first message line."""
    throwable = java_throwable(err)
    if throwable is None:
        return f"{type(err).__name__}: {one_line(str(err)) or '(no message)'}"
    from py4j.protocol import Py4JError

    try:
        return innermost_java_cause(throwable)
    except Py4JError as jvm_err:  # the JVM is gone: say so, with what Python holds without asking it
        first = err.args[0] if err.args and isinstance(err.args[0], str) else ""
        return (f"{type(err).__name__}: {one_line(first) or '(no message)'} "
                f"(its Java cause could not be read: {one_line(str(jvm_err)) or type(jvm_err).__name__})")
