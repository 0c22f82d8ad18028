#!/usr/bin/env bash
# Pull benchmark: berth vs dockerd, the ~106 MB 5-layer big:latest image
# (tests/fixtures) from a loopback docker-registry, alternating, N rounds,
# each side's image removed between rounds (layers too: a cold pull).
#
#   bench/pull.sh [ROUNDS] [BERTH_BINARY]     (root; default 5, .build/release/berth)
#
# Both sides are daemons driven by their CLI (`berth pull` is a client of
# `berth daemon`, started here on its own data root and socket). Prints the
# median wall time of each, the ratio berth/dockerd, and the berth daemon's
# peak RSS (VmHWM) over the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
BERTH=${2:-.build/release/berth}
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$BERTH" ] || { echo "$BERTH missing: swift build -c release --static-swift-stdlib" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "dockerd missing: scripts/install-deps.sh" >&2; exit 1; }

WORK=$(mktemp -d /tmp/berth-bench-XXXXXX)
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

python3 tests/fixtures/registry.py serve --mode plain --images big --until-signal > "$WORK/reg.json" &
REG_PID=$!
while [ ! -s "$WORK/reg.json" ]; do sleep 0.2; done
HOST=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["host"])' "$WORK/reg.json")
REF="$HOST/big:latest"

SOCK="$WORK/docker.sock"
dockerd --data-root "$WORK/docker-data" --exec-root "$WORK/docker-exec" -H "unix://$SOCK" \
  --pidfile "$WORK/docker.pid" --bridge=none --iptables=false --ip6tables=false \
  --insecure-registry "$HOST" > "$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 100); do docker -H "unix://$SOCK" version >/dev/null 2>&1 && break; sleep 0.2; done
docker -H "unix://$SOCK" version >/dev/null || { cat "$WORK/dockerd.log" >&2; exit 1; }

echo '{}' > "$WORK/berth.json"
"$BERTH" daemon -H "unix://$WORK/berth.sock" --data-root "$WORK/berth-data" --exec-root "$WORK/berth-exec" \
  --pidfile "$WORK/berth.pid" --config-file "$WORK/berth.json" --bridge bbench0 > "$WORK/berthd.log" 2>&1 &
BERTHD_PID=$!
B="$BERTH -H unix://$WORK/berth.sock"
for _ in $(seq 100); do $B version >/dev/null 2>&1 && break; sleep 0.2; done
$B version >/dev/null || { cat "$WORK/berthd.log" >&2; exit 1; }

now() { date +%s.%N; }
berth_times=() docker_times=() peak=0
for round in $(seq "$ROUNDS"); do
  start=$(now)
  $B pull -q "$REF" > /dev/null
  end=$(now)
  berth_times+=("$(echo "$end - $start" | bc)")
  $B rmi -f "$REF" > /dev/null
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$BERTHD_PID/status")
  [ "$rss" -gt "$peak" ] && peak=$rss

  start=$(now)
  docker -H "unix://$SOCK" pull -q "$REF" > /dev/null
  end=$(now)
  docker_times+=("$(echo "$end - $start" | bc)")
  docker -H "unix://$SOCK" rmi -f "$REF" > /dev/null
  docker -H "unix://$SOCK" image prune -af > /dev/null 2>&1 || true
  echo "round $round: berth ${berth_times[-1]}s  dockerd ${docker_times[-1]}s  berth daemon peak rss ${rss} KiB"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb=$(median "${berth_times[@]}")
md=$(median "${docker_times[@]}")
echo "image: $REF ($(du -sb "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["layout"])' "$WORK/reg.json")/blobs" | cut -f1) bytes of blobs in the layout)"
echo "berth median:   ${mb}s"
echo "dockerd median: ${md}s"
echo "ratio berth/dockerd: $(echo "scale=3; $mb / $md" | bc)"
echo "berth daemon peak RSS: $((peak / 1024)) MB (${peak} KiB)"
