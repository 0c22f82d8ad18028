#!/usr/bin/env bash
# Compose up/down of the seed example (examples/web-db/compose.yaml: two
# services, a user network, a published port, a named volume) with images
# present: `berth compose up -d` then `down` against berth's daemon vs
# Debian's docker-compose 1.29 `up -d` then `down` against dockerd (Debian's
# docker.io on its own data root, exec root and socket, --iptables=false so
# that it leaves no chains behind), alternating; medians and the ratio.
# Usage: sudo bash bench/compose.sh [RUNS] [BERTH]   (BERTH: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
berth="${2:-.build/x86_64-unknown-linux-gnu/release/berth}"
[ -x "$berth" ] || { echo "build berth first: swift build -c release" >&2; exit 1; }
command -v docker-compose >/dev/null || { echo "docker-compose missing: bash scripts/install-deps.sh" >&2; exit 1; }
work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
bsock="unix://$work/berth.sock"; dsock="unix://$work/docker.sock"
file=examples/web-db/compose.yaml
export PORT=18480
bpid=""; dpid=""
# berth's parent cgroups that exist before this run are kept; those it makes go.
cgroups_before="$(ls -d /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth 2>/dev/null || true)"
cleanup() {
  set +e
  "$berth" compose -H "$bsock" -f "$file" -p benchb down -v >/dev/null 2>&1
  DOCKER_HOST="$dsock" docker-compose -f "$file" -p benchd down -v >/dev/null 2>&1
  [ -n "$bpid" ] && kill -TERM "$bpid" && wait "$bpid"
  [ -n "$dpid" ] && kill -TERM "$dpid" && wait "$dpid"
  grep " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  ip link del benchdocker0 2>/dev/null
  for d in /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth; do
    [ -d "$d" ] && ! grep -qxF "$d" <<<"$cgroups_before" && rmdir "$d" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
bash examples/web-db/build-images.sh "$work/images" >/dev/null
echo '{}' > "$work/daemon.json"
"$berth" daemon -H "$bsock" --data-root "$work/berth-data" --exec-root "$work/berth-exec" --pidfile "$work/berth.pid" \
  --config-file "$work/daemon.json" --bridge benchberth0 > "$work/berth.log" 2>&1 &
bpid=$!
ip link add benchdocker0 type bridge && ip addr add 10.99.0.1/24 dev benchdocker0 && ip link set benchdocker0 up
dockerd -H "$dsock" --data-root "$work/docker-data" --exec-root "$work/docker-exec" --pidfile "$work/docker.pid" \
  --bridge benchdocker0 --iptables=false > "$work/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do docker -H "$bsock" version >/dev/null 2>&1 && docker -H "$dsock" version >/dev/null 2>&1 && break; sleep 0.2; done
for image in web-db-kv web-db-web; do
  docker -H "$bsock" load -i "$work/images/$image.tar" >/dev/null
  docker -H "$dsock" load -i "$work/images/$image.tar" >/dev/null
done
ms() { local n; n=$(date +%s%N); echo $(( n / 1000000 )); }
cycle_berth() { "$berth" compose -H "$bsock" -f "$file" -p benchb up -d && "$berth" compose -H "$bsock" -f "$file" -p benchb down; }
cycle_docker() { DOCKER_HOST="$dsock" docker-compose -f "$file" -p benchd up -d && DOCKER_HOST="$dsock" docker-compose -f "$file" -p benchd down; }
time_cycle() { local s e; s=$(ms); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; e=$(ms); echo $((e - s)); }
b=(); d=()
for i in $(seq "$runs"); do
  b+=($(time_cycle cycle_berth))
  d+=($(time_cycle cycle_docker))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mb=$(median "${b[@]}"); md=$(median "${d[@]}")
echo "runs: $runs (ms, up -d then down of examples/web-db, median)"
echo "berth compose → berth daemon:     $mb   (${b[*]})"
echo "docker-compose 1.29 → dockerd:    $md   (${d[*]})"
awk -v b="$mb" -v d="$md" 'BEGIN { printf "berth/docker %.2f\n", b/d }'
