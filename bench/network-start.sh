#!/usr/bin/env bash
# Container start latency with networking: berth with a bridge network and
# a published port vs `--network none`, and dockerd (Debian's docker.io, on
# its own data root and socket) with `docker run --rm -p 8080:80`, runs
# alternating, medians and ratios printed. dockerd runs with --iptables=false
# (docker-proxy publishes the port) so that it leaves no chains in the
# host's iptables; with its NAT rules it would only be slower (bench/lib.sh).
# Usage: sudo bash bench/network-start.sh [RUNS] [BERTH]   (BERTH: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs="${1:-15}"
berth="${2:-.build-release/release/berth}"
bench_init
start_berth "$berth"
start_dockerd
wait_daemons
load_busybox
bridge=(); none=(); dockerd=()
for i in $(seq "$runs"); do
  bridge+=($(time_ms docker -H "$bsock" run --rm -p 8080:80 "$image" true))
  none+=($(time_ms docker -H "$bsock" run --rm --network none "$image" true))
  dockerd+=($(time_ms docker -H "$dsock" run --rm -p 8080:80 "$image" true))
done
mb=$(median "${bridge[@]}"); mn=$(median "${none[@]}"); md=$(median "${dockerd[@]}")
echo "runs: $runs (ms, docker run --rm … true, median)"
echo "berth bridge + -p 8080:80: $mb"
echo "berth --network none:      $mn"
echo "dockerd -p 8080:80:        $md"
echo "bridge/none $(ratio "$mb" "$mn"), berth/dockerd $(ratio "$mb" "$md")"
