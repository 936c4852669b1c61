#!/usr/bin/env bash
# Entrypoint of the local PostgreSQL test image (see Containerfile): the parts of
# the official image's contract that tests use, written for this image.
set -Eeuo pipefail

fail() { echo "entrypoint: $*" >&2; exit 1; }

# `docker run IMAGE -c wal_level=logical` means `postgres -c wal_level=logical`.
if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
if [ "$1" != 'postgres' ]; then
  exec "$@"
fi

# As root: give the (possibly freshly mounted, e.g. tmpfs) data directory to
# the postgres user, then run the rest of this script as that user.
if [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

run_init_scripts() {
  local file
  for file in /docker-entrypoint-initdb.d/*; do
    [ -e "$file" ] || continue
    case "$file" in
      *.sh)  echo "entrypoint: running $file"; bash "$file" ;;
      *.sql) echo "entrypoint: running $file"; psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$file" ;;
      *)     echo "entrypoint: ignoring $file" ;;
    esac
  done
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$AUTH_METHOD" != 'trust' ]; then
    fail 'the database is uninitialized and POSTGRES_PASSWORD is not set: set it, or POSTGRES_HOST_AUTH_METHOD=trust'
  fi
  pwfile="$(mktemp)"
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image.
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  rm -f "$pwfile"
  printf '\nhost all all all %s\n' "$AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

  # A server on the Unix socket only, with the caller's settings, for the set-up steps.
  shift
  pg_ctl -D "$PGDATA" -w -o "$(printf '%q ' -c listen_addresses='' -p 5432 "$@")" start
  export PGPASSWORD="${POSTGRES_PASSWORD:-}" PGHOST=/var/run/postgresql
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    echo 'CREATE DATABASE :"db"' | psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres --set db="$POSTGRES_DB"
  fi
  run_init_scripts
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD PGHOST
  echo 'PostgreSQL init process complete; ready for start up.'
  set -- postgres "$@"
fi

exec "$@"
