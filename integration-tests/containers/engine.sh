#!/usr/bin/env bash
# The integration tests' container mode: runs a command with a container engine
# that testcontainers can use, and with the images the fixtures start.
#
#   bash integration-tests/containers/engine.sh run -- COMMAND [ARG...]
#   bash integration-tests/containers/engine.sh images
#
# `run`:
# - If an engine already answers (DOCKER_HOST, or /var/run/docker.sock), it is
#   used as it is, with the official images (postgres:15, mariadb:10.11) unless
#   LAKEHOUSE_TEST_POSTGRES_IMAGE / LAKEHOUSE_TEST_MARIADB_IMAGE say otherwise.
# - Otherwise (as root) it installs podman, runc and debootstrap from Debian if
#   they are missing, builds the local images (see `images`), starts podman's
#   Docker-API service on a private socket, runs COMMAND with DOCKER_HOST and the
#   testcontainers settings pointing at it, then removes the containers the run
#   created and stops the service by its PID, whatever COMMAND's outcome.
# COMMAND sees LAKEHOUSE_TEST_SERVERS=container; its exit status is returned.
#
# `images` builds, once, the local images from Debian's archive and packages (no
# image registry is used): a debootstrap base, then PostgreSQL 15 and MariaDB
# with entrypoints of our own (postgres/, mariadb/). Each image carries a label
# with the hash of its recipe and is rebuilt only when the recipe changes.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE_PREFIX='localhost/lakehouse-test'
BASE_IMAGE="$IMAGE_PREFIX/debian:bookworm"
LOCAL_POSTGRES_IMAGE="$IMAGE_PREFIX/postgres:15"
LOCAL_MARIADB_IMAGE="$IMAGE_PREFIX/mariadb:10.11"
DEBIAN_SUITE='bookworm'
RECIPE_LABEL='lakehouse.test.recipe'
export CONTAINERS_CONF="$HERE/podman/containers.conf"

say() { echo "container engine: $*" >&2; }
fail() { echo "container engine: $*" >&2; exit 1; }

# True when a Docker-API engine answers on the unix socket $1.
answers() {
  local socket="$1"
  [ -S "$socket" ] && curl -fsS --max-time 5 --unix-socket "$socket" http://localhost/_ping > /dev/null 2>&1
}

ensure_podman() {
  local missing=()
  command -v podman > /dev/null || missing+=(podman)
  command -v runc > /dev/null || missing+=(runc)
  command -v debootstrap > /dev/null || missing+=(debootstrap)
  command -v curl > /dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != '0' ]; then
    fail "no container engine answers and ${missing[*]} cannot be installed without root: start Docker or podman's service and set DOCKER_HOST, or run the suites with LAKEHOUSE_TEST_SERVERS=local"
  fi
  say "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null; }
}

# The first Debian archive URL in the machine's apt sources (both formats).
debian_mirror() {
  if [ -n "${LAKEHOUSE_DEBIAN_MIRROR:-}" ]; then echo "$LAKEHOUSE_DEBIAN_MIRROR"; return; fi
  local url
  url="$(cat /etc/apt/sources.list.d/*.sources 2> /dev/null | awk '/^URIs:/ { print $2 }' | grep -v security | head -n 1)"
  [ -n "$url" ] || url="$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2> /dev/null | grep -v security | awk '{ print $2 }' | head -n 1)"
  [ -n "$url" ] || fail 'no Debian archive found in the apt sources: set LAKEHOUSE_DEBIAN_MIRROR to one'
  echo "$url"
}

recipe_of() { cat "$@" | sha256sum | cut -c1-16; }
label_of() { podman image inspect --format "{{ index .Labels \"$RECIPE_LABEL\" }}" "$1" 2> /dev/null || true; }
id_of() { podman image inspect --format '{{ .Id }}' "$1" 2> /dev/null || true; }

build_base() {
  local recipe
  recipe="$(echo "debootstrap --variant=minbase $DEBIAN_SUITE; policy-rc.d 101" | sha256sum | cut -c1-16)"
  [ "$(label_of "$BASE_IMAGE")" = "$recipe" ] && return 0
  local mirror rootfs started=$SECONDS
  mirror="$(debian_mirror)"
  rootfs="$(mktemp -d /var/tmp/lakehouse-rootfs.XXXXXX)"
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$rootfs'" RETURN
  say "building $BASE_IMAGE (debootstrap $DEBIAN_SUITE)"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$mirror" > "$rootfs.log" 2>&1 \
    || { tail -n 20 "$rootfs.log" >&2; rm -f "$rootfs.log"; fail "debootstrap of $DEBIAN_SUITE from $mirror failed (log above)"; }
  rm -f "$rootfs.log"
  # Services never start at package install time inside an image.
  printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["bash"]' --change "LABEL $RECIPE_LABEL=$recipe" - "$BASE_IMAGE" > /dev/null
  say "built $BASE_IMAGE in $((SECONDS - started)) s"
}

build_server() {
  local image="$1" dir="$2" recipe old started=$SECONDS
  recipe="$( (id_of "$BASE_IMAGE"; cat "$dir/Containerfile" "$dir/entrypoint.sh") | sha256sum | cut -c1-16)"
  [ "$(label_of "$image")" = "$recipe" ] && return 0
  old="$(id_of "$image")"
  say "building $image"
  podman build --quiet --network=host --build-arg "BASE=$BASE_IMAGE" --label "$RECIPE_LABEL=$recipe" -t "$image" "$dir" > /dev/null
  if [ -n "$old" ] && [ "$old" != "$(id_of "$image")" ]; then
    podman rmi "$old" > /dev/null 2>&1 || say "kept the previous $image ($old): a container still uses it"
  fi
  say "built $image in $((SECONDS - started)) s"
}

build_images() {
  ensure_podman
  [ "$(id -u)" = '0' ] || fail 'building the local images needs root (debootstrap, rootful podman)'
  mkdir -p /run/lock
  exec 9> /run/lock/lakehouse-test-images.lock
  flock 9
  build_base
  build_server "$LOCAL_POSTGRES_IMAGE" "$HERE/postgres"
  build_server "$LOCAL_MARIADB_IMAGE" "$HERE/mariadb"
  flock -u 9
}

testcontainers_ids() { podman ps -aq --no-trunc --filter label=org.testcontainers=true | sort; }

run_with_podman() {
  build_images
  RUN_DIR="$(mktemp -d /tmp/lakehouse-podman.XXXXXX)"
  local socket="$RUN_DIR/podman.sock"
  BEFORE="$(testcontainers_ids)"
  podman system service --time=0 "unix://$socket" > "$RUN_DIR/service.log" 2>&1 &
  SERVICE_PID=$!
  trap stop_podman EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local waited=0
  until answers "$socket"; do
    kill -0 "$SERVICE_PID" 2> /dev/null || { cat "$RUN_DIR/service.log" >&2; fail 'podman system service exited (log above)'; }
    [ $waited -lt 300 ] || fail "podman system service did not answer on $socket within 30 s"
    sleep 0.1
    waited=$((waited + 1))
  done
  export DOCKER_HOST="unix://$socket"
  # The reaper image cannot be pulled without a registry; stop_podman removes what the run created instead.
  export TESTCONTAINERS_RYUK_DISABLED=true
  export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
  export LAKEHOUSE_TEST_POSTGRES_IMAGE="${LAKEHOUSE_TEST_POSTGRES_IMAGE:-$LOCAL_POSTGRES_IMAGE}"
  export LAKEHOUSE_TEST_MARIADB_IMAGE="${LAKEHOUSE_TEST_MARIADB_IMAGE:-$LOCAL_MARIADB_IMAGE}"
  say "container mode on $(podman --version) (service PID $SERVICE_PID, $DOCKER_HOST); images $LAKEHOUSE_TEST_POSTGRES_IMAGE, $LAKEHOUSE_TEST_MARIADB_IMAGE"
  "$@"
}

# EXIT trap of run_with_podman: removes the containers this run created, then stops the service.
# Fails the run if a container or the service is still there afterwards.
stop_podman() {
  local status=$? leftover
  leftover="$(comm -13 <(echo "$BEFORE") <(testcontainers_ids) | grep -v '^$' || true)"
  if [ -n "$leftover" ]; then
    say "removing $(echo "$leftover" | wc -l) container(s) left by the run"
    # shellcheck disable=SC2086 # one id per word
    podman rm -f -t 0 $leftover > /dev/null || true
    if [ -n "$(comm -13 <(echo "$BEFORE") <(testcontainers_ids) | grep -v '^$' || true)" ]; then
      say 'could not remove every container this run created: see podman ps -a'
      status=1
    fi
  fi
  kill "$SERVICE_PID" 2> /dev/null || true
  wait "$SERVICE_PID" 2> /dev/null || true
  if kill -0 "$SERVICE_PID" 2> /dev/null; then
    say "the podman service (PID $SERVICE_PID) did not stop"
    status=1
  else
    say "stopped the podman service (PID $SERVICE_PID)"
  fi
  rm -rf "$RUN_DIR"
  exit "$status"
}

run() {
  export LAKEHOUSE_TEST_SERVERS=container
  # The per-engine switches would win over it; in this mode every server is a container.
  unset LAKEHOUSE_TEST_POSTGRES LAKEHOUSE_TEST_MARIADB
  local existing=''
  if [ -n "${DOCKER_HOST:-}" ]; then
    [[ "$DOCKER_HOST" != unix://* ]] || answers "${DOCKER_HOST#unix://}" \
      || fail "DOCKER_HOST=$DOCKER_HOST does not answer: start that engine, or unset DOCKER_HOST to let this script run podman"
    existing="$DOCKER_HOST"
  elif answers /var/run/docker.sock; then
    existing='unix:///var/run/docker.sock'
  fi
  if [ -n "$existing" ]; then
    export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
    say "container mode on the engine at $existing; images ${LAKEHOUSE_TEST_POSTGRES_IMAGE:-postgres:15}, ${LAKEHOUSE_TEST_MARIADB_IMAGE:-mariadb:10.11}"
    exec "$@"
  fi
  run_with_podman "$@"
}

case "${1:-}" in
  run)
    shift
    [ "${1:-}" = '--' ] && shift
    [ $# -gt 0 ] || fail 'usage: engine.sh run -- COMMAND [ARG...]'
    run "$@"
    ;;
  images)
    build_images
    ;;
  *)
    fail 'usage: engine.sh run -- COMMAND [ARG...] | engine.sh images'
    ;;
esac
