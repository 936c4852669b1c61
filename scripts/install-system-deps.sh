#!/usr/bin/env bash
# Installs the system packages the tests need, from Debian's archive, only when they are missing.
# Idempotent and quick when everything is present (the usual case on the project's machines).
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
# The local Spark rehearsal of Glue 5.0 (scripts/install-spark.sh): Java 17 runs Spark, Maven fetches the
# Iceberg jar, and a venv holds PySpark (Nx puts /usr/bin first on PATH, so the system python3 makes it).
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] || ls /usr/lib/jvm/*17*/bin/java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
/usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The tests start their own servers on free ports; stop any service the packages may have started.
  for service in postgresql mariadb; do
    if service "$service" status >/dev/null 2>&1; then service "$service" stop >/dev/null; fi
  done
fi

# cfn-lint is a Python tool that Debian does not package; the project's machine images ship it.
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint not found: install it with 'pip install cfn-lint' (it checks the synthesized templates)" >&2
  exit 1
fi
