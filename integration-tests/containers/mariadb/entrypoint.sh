#!/usr/bin/env bash
# Entrypoint of the local MariaDB test image (see Containerfile): the parts of
# the official image's contract that tests use, written for this image.
set -Eeuo pipefail

fail() { echo "entrypoint: $*" >&2; exit 1; }

# `docker run IMAGE --log-bin …` means `mariadbd --log-bin …`.
if [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi
if [ "$1" != 'mariadbd' ] && [ "$1" != 'mysqld' ]; then
  exec "$@"
fi

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

# As root: give the (possibly freshly mounted, e.g. tmpfs) data directory to
# the mysql user, then run the rest of this script as that user.
if [ "$(id -u)" = '0' ]; then
  mkdir -p "$DATADIR" /run/mysqld
  chown mysql:mysql "$DATADIR" /run/mysqld
  exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
fi

ROOT_PASSWORD="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}"
ALLOW_EMPTY="${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
DATABASE="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
APP_USER="${MARIADB_USER:-${MYSQL_USER:-}}"
APP_PASSWORD="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"

sql_string() { # a value as a single-quoted SQL string literal
  local escaped="${1//\\/\\\\}"
  printf "'%s'" "${escaped//\'/\\\'}"
}
sql_name() { # a value as a back-quoted SQL identifier
  printf '`%s`' "${1//\`/\`\`}"
}

run_client() {
  mariadb --protocol=socket --socket="$SOCKET" -uroot --password="$ROOT_PASSWORD" "$@"
}

if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "$ROOT_PASSWORD" ] && [ -z "$ALLOW_EMPTY" ]; then
    fail 'the database is uninitialized and no root password is set: set MARIADB_ROOT_PASSWORD, or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1'
  fi
  shift
  mariadb-install-db --datadir="$DATADIR" --rpm "$@" --skip-test-db --auth-root-authentication-method=normal \
    --skip-log-bin --default-time-zone=SYSTEM > /dev/null

  # A server on the Unix socket only, with the caller's options except the binary log, for the set-up steps.
  mariadbd "$@" --skip-networking --skip-log-bin --socket="$SOCKET" --default-time-zone=SYSTEM &
  init_pid=$!
  for _ in $(seq 1 300); do
    if mariadb-admin --socket="$SOCKET" -uroot ping --silent > /dev/null 2>&1; then break; fi
    kill -0 "$init_pid" 2> /dev/null || fail 'the init server exited; its log is above'
    sleep 0.1
  done
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.user WHERE user = '' OR (user = 'root' AND host NOT IN ('localhost'));"
    echo "DELETE FROM mysql.proxies_priv WHERE user = 'root' AND host NOT IN ('localhost');"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$ROOT_PASSWORD");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_string "$ROOT_PASSWORD");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "GRANT PROXY ON ''@'%' TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "$DATABASE" ]; then
      echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$DATABASE");"
    fi
    if [ -n "$APP_USER" ]; then
      echo "CREATE USER $(sql_string "$APP_USER")@'%' IDENTIFIED BY $(sql_string "$APP_PASSWORD");"
      if [ -n "$DATABASE" ]; then
        echo "GRANT ALL ON $(sql_name "$DATABASE").* TO $(sql_string "$APP_USER")@'%';"
      fi
    fi
  } | mariadb --protocol=socket --socket="$SOCKET" -uroot
  for file in /docker-entrypoint-initdb.d/*; do
    [ -e "$file" ] || continue
    case "$file" in
      *.sh)  echo "entrypoint: running $file"; bash "$file" ;;
      *.sql) echo "entrypoint: running $file"; run_client ${DATABASE:+"$DATABASE"} < "$file" ;;
      *)     echo "entrypoint: ignoring $file" ;;
    esac
  done
  mariadb-admin --socket="$SOCKET" -uroot --password="$ROOT_PASSWORD" shutdown
  wait "$init_pid"
  echo 'MariaDB init process done. Ready for start up.'
  set -- mariadbd "$@"
fi

exec "$@"
