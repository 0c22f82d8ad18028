#!/usr/bin/env bash
# Container start latency with networking: berth with a bridge network and
# a published port vs `--network none`, and dockerd (Debian's docker.io, on
# its own data root and socket) with `docker run --rm -p 8080:80`, runs
# alternating, medians and ratios printed. dockerd runs with --iptables=false
# (docker-proxy publishes the port) so that it leaves no chains in the
# host's iptables; with its NAT rules it would only be slower.
# Usage: sudo bash bench/network-start.sh [RUNS] [BERTH]   (BERTH: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-15}"
berth="${2:-.build/x86_64-unknown-linux-gnu/release/berth}"
[ -x "$berth" ] || { echo "build berth first: swift build -c release" >&2; exit 1; }
work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
bsock="unix://$work/berth.sock"; dsock="unix://$work/docker.sock"
bpid=""; dpid=""
cleanup() {
  set +e
  docker -H "$bsock" rm -f $(docker -H "$bsock" ps -aq) >/dev/null 2>&1
  docker -H "$dsock" rm -f $(docker -H "$dsock" ps -aq) >/dev/null 2>&1
  [ -n "$bpid" ] && kill -TERM "$bpid" && wait "$bpid"
  [ -n "$dpid" ] && kill -TERM "$dpid" && wait "$dpid"
  grep " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  ip link del benchdocker0 2>/dev/null
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
# Both get the same offline-built busybox image.
docker -H "$bsock" load -i "$work/images/web-db-web.tar" >/dev/null
docker -H "$dsock" load -i "$work/images/web-db-web.tar" >/dev/null
time_run() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
bridge=(); none=(); dockerd=()
for i in $(seq "$runs"); do
  bridge+=($(time_run docker -H "$bsock" run --rm -p 8080:80 web-db-web:latest true))
  none+=($(time_run docker -H "$bsock" run --rm --network none web-db-web:latest true))
  dockerd+=($(time_run docker -H "$dsock" run --rm -p 8080:80 web-db-web:latest true))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mb=$(median "${bridge[@]}"); mn=$(median "${none[@]}"); md=$(median "${dockerd[@]}")
echo "runs: $runs (ms, docker run --rm … true, median)"
echo "berth bridge + -p 8080:80: $mb"
echo "berth --network none:      $mn"
echo "dockerd -p 8080:80:        $md"
awk -v b="$mb" -v n="$mn" -v d="$md" 'BEGIN { printf "bridge/none %.2f, berth/dockerd %.2f\n", b/n, b/d }'
