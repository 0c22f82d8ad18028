#!/usr/bin/env bash
# Interoperability with a real dockerd (Debian's docker.io), both ways:
#   docker save  -> berth load   (docker's own archive layout)
#   berth save   -> docker load  -> docker run
#
#   bench/docker-compat.sh [BERTH_BINARY]      (root; default .build/debug/berth)
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH=${1:-.build/debug/berth}
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
WORK=$(mktemp -d /tmp/berth-compat-XXXXXX)
REG_PID="" DOCKERD_PID="" BERTHD_PID=""
cleanup() {
  [ -n "$BERTHD_PID" ] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null || true
  umount -R "$WORK/berth-data" 2>/dev/null || true
  [ -n "$DOCKERD_PID" ] && kill "$DOCKERD_PID" 2>/dev/null && wait "$DOCKERD_PID" 2>/dev/null || true
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
  umount -R "$WORK/docker-data" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
python3 tests/fixtures/registry.py serve --mode plain --images busybox,layers --until-signal > "$WORK/reg.json" &
REG_PID=$!
while [ ! -s "$WORK/reg.json" ]; do sleep 0.2; done
HOST=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["host"])' "$WORK/reg.json")
dockerd --data-root "$WORK/docker-data" --exec-root "$WORK/docker-exec" -H "unix://$WORK/docker.sock" \
  --pidfile "$WORK/docker.pid" --bridge=none --iptables=false --ip6tables=false \
  --insecure-registry "$HOST" > "$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
D="docker -H unix://$WORK/docker.sock"
for _ in $(seq 100); do $D version >/dev/null 2>&1 && break; sleep 0.2; done
echo '{}' > "$WORK/berth.json"
"$BERTH" daemon -H "unix://$WORK/berth.sock" --data-root "$WORK/berth-data" --exec-root "$WORK/berth-exec" \
  --pidfile "$WORK/berth.pid" --config-file "$WORK/berth.json" --bridge bcompat0 > "$WORK/berthd.log" 2>&1 &
BERTHD_PID=$!
B="$BERTH -H unix://$WORK/berth.sock"
for _ in $(seq 100); do $B version >/dev/null 2>&1 && break; sleep 0.2; done

echo "== docker $($D version --format '{{.Server.Version}}') save -> berth load"
$D pull -q "$HOST/layers:latest"
$D save -o "$WORK/docker-saved.tar" "$HOST/layers:latest"
$B load -i "$WORK/docker-saved.tar"
want=$($D image inspect -f '{{.Id}}' "$HOST/layers:latest")
got=$($B image inspect -f '{{.Id}}' "$HOST/layers:latest")
[ "$want" = "$got" ] || { echo "image ID differs: docker $want, berth $got" >&2; exit 1; }
echo "same image ID: $got"

echo "== berth save -> docker load -> docker run"
$B pull -q "$HOST/busybox:amd64"
$B save -o "$WORK/berth-saved.tar" "$HOST/busybox:amd64"
$D load -i "$WORK/berth-saved.tar"
$D run --rm --network none "$HOST/busybox:amd64" echo "ran from berth's save"
