#!/usr/bin/env bash
# Installs the system packages the tests need, from Debian's archive, only when they are missing.
# Idempotent and quick when everything is present (the usual case on the project's machines).
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
# Nx runs commands with node's own directory (/usr/bin here) first on PATH, so the Glue-script tests
# use the system python3: it needs pytest itself, whatever python3 a login shell finds first.
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && ! "$py" -m pytest --version >/dev/null 2>&1; then
    missing+=(python3-pytest)
    break
  fi
done

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
