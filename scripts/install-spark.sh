#!/usr/bin/env bash
# Installs the local Spark rehearsal of AWS Glue 5.0 (Spark 3.5.4, Iceberg 1.7.1), pinned and cached outside
# the repository, and prints its home directory on the last line of output:
#
#   $HOME_DIR/venv/bin/python                                  Python 3 venv with pyspark, pyarrow, pytest
#   $HOME_DIR/jars/iceberg-spark-runtime-3.5_2.12-1.7.1.jar    the Iceberg Spark runtime (Maven Central, sha1 pinned)
#
# Home: ${LAKEHOUSE_SPARK_HOME:-$HOME/.cache/cdc-lakehouse/spark-3.5.4-iceberg-1.7.1}.
# Idempotent (a finished install is recognised by its stamp file and costs milliseconds) and safe to run
# concurrently (flock on $HOME_DIR.lock). Needs python3 (with venv; installed with apt-get when missing and
# running as root), Maven (mvn) and Java 17 to run Spark.
set -euo pipefail

PYSPARK_VERSION=3.5.4
ICEBERG_VERSION=1.7.1
PYARROW_VERSION=18.1.0
PYTEST_VERSION=8.3.4
ICEBERG_ARTIFACT="org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:${ICEBERG_VERSION}"
ICEBERG_JAR="iceberg-spark-runtime-3.5_2.12-${ICEBERG_VERSION}.jar"
# sha1 of the jar Maven Central publishes for this version (checked against its .sha1 when pinned)
ICEBERG_SHA1=03c97e0cf547c21ef1fe5c735a2bc306340ec785
STAMP_CONTENT="pyspark==${PYSPARK_VERSION} pyarrow==${PYARROW_VERSION} pytest==${PYTEST_VERSION} ${ICEBERG_ARTIFACT}"

HOME_DIR="${LAKEHOUSE_SPARK_HOME:-$HOME/.cache/cdc-lakehouse/spark-${PYSPARK_VERSION}-iceberg-${ICEBERG_VERSION}}"
STAMP="$HOME_DIR/.installed"

log() { echo "install-spark: $*" >&2; }
fail() { echo "install-spark: $*" >&2; exit 1; }

installed() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ] && [ -x "$HOME_DIR/venv/bin/python" ] && [ -f "$HOME_DIR/jars/$ICEBERG_JAR" ]; }

if installed; then
  echo "$HOME_DIR"
  exit 0
fi

mkdir -p "$(dirname "$HOME_DIR")"
exec 9>"$HOME_DIR.lock"
flock 9
if installed; then # another process finished the install while this one waited for the lock
  echo "$HOME_DIR"
  exit 0
fi

command -v python3 >/dev/null || fail "python3 not found; install Python 3.11 (apt-get install -y python3)"
command -v mvn >/dev/null || fail "mvn not found; install Maven (apt-get install -y maven) to fetch the Iceberg jar"
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "python3-venv missing; installing it with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2
  else
    fail "python3 cannot create venvs; install python3-venv (apt-get install -y python3-venv) and run again"
  fi
fi

started=$(date +%s)
rm -rf "$HOME_DIR"
mkdir -p "$HOME_DIR/jars"
log "creating the venv in $HOME_DIR/venv"
python3 -m venv "$HOME_DIR/venv"
log "installing pyspark==$PYSPARK_VERSION pyarrow==$PYARROW_VERSION pytest==$PYTEST_VERSION"
"$HOME_DIR/venv/bin/python" -m pip install -q --disable-pip-version-check --no-input \
  "pyspark==$PYSPARK_VERSION" "pyarrow==$PYARROW_VERSION" "pytest==$PYTEST_VERSION" >&2

log "fetching $ICEBERG_ARTIFACT from Maven Central"
mvn -q -B dependency:copy -Dartifact="$ICEBERG_ARTIFACT" -DoutputDirectory="$HOME_DIR/jars" -Dmdep.overWriteReleases=true >&2 \
  || fail "mvn dependency:copy -Dartifact=$ICEBERG_ARTIFACT failed (is Maven Central reachable?)"
[ -f "$HOME_DIR/jars/$ICEBERG_JAR" ] || fail "mvn did not write $HOME_DIR/jars/$ICEBERG_JAR"

actual_sha1=$(sha1sum "$HOME_DIR/jars/$ICEBERG_JAR" | awk '{print $1}')
[ "$actual_sha1" = "$ICEBERG_SHA1" ] \
  || { rm -f "$HOME_DIR/jars/$ICEBERG_JAR"; fail "$ICEBERG_JAR has sha1 $actual_sha1, not the pinned $ICEBERG_SHA1; removed it, run again"; }

echo "$STAMP_CONTENT" >"$STAMP"
log "installed in $(( $(date +%s) - started )) s"
echo "$HOME_DIR"
