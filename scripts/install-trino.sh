#!/usr/bin/env bash
# Installs the local Trino rehearsal of Athena engine v3 (Trino 476 with its Hive and Iceberg connectors), pinned
# and cached outside the repository, and prints its home directory on the last line of output:
#
#   $HOME_DIR/trino-server-476/        bin/, lib/ and plugin/{hive,iceberg} of io.trino:trino-server:476 (sha1 pinned)
#   $HOME_DIR/java-home                one line: the JDK (24 or newer) that runs it
#
# Home: ${LAKEHOUSE_TRINO_HOME:-$HOME/.cache/cdc-lakehouse/trino-476}. The JDK: ${LAKEHOUSE_TRINO_JAVA_HOME}, else the
# newest JDK >= 24 under /usr/lib/jvm. Only the two connectors the rehearsal uses are kept (the tarball holds ~60
# plugins; Trino loads every one at start-up). Idempotent (a finished install is recognised by its stamp file and
# costs milliseconds) and safe to run concurrently (flock on $HOME_DIR.lock). Needs Maven (mvn) to fetch the tarball.
set -euo pipefail

TRINO_VERSION=476
TRINO_ARTIFACT="io.trino:trino-server:${TRINO_VERSION}:tar.gz"
TRINO_TARBALL="trino-server-${TRINO_VERSION}.tar.gz"
# sha1 of the tarball Maven Central publishes for this version (checked against its .sha1 when pinned)
TRINO_SHA1=c9b38be4017ebd2f7095455aaac772fb40247ebe
MIN_JAVA=24
PLUGINS=(hive iceberg)
STAMP_CONTENT="${TRINO_ARTIFACT} sha1=${TRINO_SHA1} plugins=${PLUGINS[*]}"

HOME_DIR="${LAKEHOUSE_TRINO_HOME:-$HOME/.cache/cdc-lakehouse/trino-${TRINO_VERSION}}"
SERVER_DIR="$HOME_DIR/trino-server-${TRINO_VERSION}"
STAMP="$HOME_DIR/.installed"

log() { echo "install-trino: $*" >&2; }
fail() { echo "install-trino: $*" >&2; exit 1; }

# the major version of a JDK's java (0 when it does not run)
java_major() {
  local major
  major=$("$1/bin/java" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }') || true
  echo "${major:-0}"
}

find_java() {
  if [ -n "${LAKEHOUSE_TRINO_JAVA_HOME:-}" ]; then
    [ -x "$LAKEHOUSE_TRINO_JAVA_HOME/bin/java" ] || fail "LAKEHOUSE_TRINO_JAVA_HOME=$LAKEHOUSE_TRINO_JAVA_HOME has no bin/java"
    local major
    major=$(java_major "$LAKEHOUSE_TRINO_JAVA_HOME")
    [ "$major" -ge "$MIN_JAVA" ] || fail "LAKEHOUSE_TRINO_JAVA_HOME=$LAKEHOUSE_TRINO_JAVA_HOME is Java $major; Trino $TRINO_VERSION needs Java $MIN_JAVA or newer"
    echo "$LAKEHOUSE_TRINO_JAVA_HOME"
    return
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/*/; do
    dir="${dir%/}"
    [ -x "$dir/bin/java" ] || continue
    major=$(java_major "$dir")
    if [ "$major" -ge "$MIN_JAVA" ] && [ "$major" -gt "$best_major" ]; then best="$dir"; best_major=$major; fi
  done
  [ -n "$best" ] || fail "no JDK $MIN_JAVA or newer under /usr/lib/jvm (Trino $TRINO_VERSION needs one); install e.g. Temurin 25 or set LAKEHOUSE_TRINO_JAVA_HOME"
  echo "$best"
}

installed() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ] && [ -x "$SERVER_DIR/bin/launcher" ] \
    && [ -f "$HOME_DIR/java-home" ] && [ -x "$(cat "$HOME_DIR/java-home")/bin/java" ]
}

# fast path: installed, and no other JDK asked for
if installed && { [ -z "${LAKEHOUSE_TRINO_JAVA_HOME:-}" ] || [ "$(cat "$HOME_DIR/java-home")" = "$LAKEHOUSE_TRINO_JAVA_HOME" ]; }; then
  echo "$HOME_DIR"
  exit 0
fi

mkdir -p "$(dirname "$HOME_DIR")"
exec 9>"$HOME_DIR.lock"
flock 9

java_home=$(find_java)
if installed; then # another process finished the install while this one waited, or only the JDK changes
  echo "$java_home" >"$HOME_DIR/java-home"
  echo "$HOME_DIR"
  exit 0
fi

command -v mvn >/dev/null || fail "mvn not found; install Maven (apt-get install -y maven) to fetch $TRINO_ARTIFACT"

started=$(date +%s)
rm -rf "$HOME_DIR"
download="$HOME_DIR.download"
rm -rf "$download"
mkdir -p "$download"
trap 'rm -rf "$download"' EXIT
log "fetching $TRINO_ARTIFACT (about 820 MB) from Maven Central"
# a private local repository, removed afterwards: the tarball is not kept twice (in ~/.m2 and here)
mvn -q -B dependency:copy -Dartifact="$TRINO_ARTIFACT" -DoutputDirectory="$download" -Dmaven.repo.local="$download/m2" >&2 \
  || fail "mvn dependency:copy -Dartifact=$TRINO_ARTIFACT failed (is Maven Central reachable?)"
[ -f "$download/$TRINO_TARBALL" ] || fail "mvn did not write $download/$TRINO_TARBALL"

actual_sha1=$(sha1sum "$download/$TRINO_TARBALL" | awk '{print $1}')
[ "$actual_sha1" = "$TRINO_SHA1" ] || fail "$TRINO_TARBALL has sha1 $actual_sha1, not the pinned $TRINO_SHA1; removed it, run again"

log "unpacking bin/, lib/ and plugin/{${PLUGINS[*]}}"
# the tarball hard-links jars shared between plugins, so it is unpacked whole and only what the rehearsal uses is kept
tar -xzf "$download/$TRINO_TARBALL" -C "$download" || fail "cannot unpack $TRINO_TARBALL"
unpacked="$download/trino-server-${TRINO_VERSION}"
mkdir -p "$SERVER_DIR/plugin"
mv "$unpacked/bin" "$unpacked/lib" "$unpacked/NOTICE" "$SERVER_DIR/"
for plugin in "${PLUGINS[@]}"; do mv "$unpacked/plugin/$plugin" "$SERVER_DIR/plugin/"; done
[ -x "$SERVER_DIR/bin/launcher" ] || fail "the tarball has no trino-server-${TRINO_VERSION}/bin/launcher"

echo "$java_home" >"$HOME_DIR/java-home"
echo "$STAMP_CONTENT" >"$STAMP"
log "installed in $(( $(date +%s) - started )) s (Java: $java_home)"
echo "$HOME_DIR"
