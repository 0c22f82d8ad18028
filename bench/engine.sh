#!/usr/bin/env bash
# The engine's speed and memory against Debian's dockerd (issue 4), in one run:
#  a. `docker run --rm IMAGE true` with the docker CLI against berth and
#     against dockerd, alternating (default network on both: a bridge), and
#     the same with `--network none`; medians and the ratio berth/dockerd.
#  b. memory: each daemon 2 s after the runs and idle (15 s without a request), then with COUNT `sleep`
#     containers running (`docker run -d`): berth's daemon + its monitors vs
#     dockerd + containerd + the shims. RSS counts shared pages (the binary's
#     text) once per process; PSS shares them out, so the PSS sum is what the
#     processes cost together. Both are printed, from /proc/PID/smaps_rollup.
# dockerd runs on its own data root, exec root, socket and bridge with
# --iptables=false (bench/lib.sh). IMAGE is the offline-built busybox image.
# Usage: sudo bash bench/engine.sh [RUNS] [BERTH] [COUNT]   (BERTH: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs="${1:-15}"
berth="${2:-.build-release/release/berth}"
count="${3:-100}"
bench_init
start_berth "$berth"
start_dockerd
wait_daemons
load_busybox
B=(docker -H "$bsock"); D=(docker -H "$dsock")
# One warm-up run each (page cache, first bridge setup).
time_ms "${B[@]}" run --rm "$image" true >/dev/null
time_ms "${D[@]}" run --rm "$image" true >/dev/null

b=(); d=(); bn=(); dn=(); cli=()
for _ in $(seq "$runs"); do
  cli+=($(time_ms "${B[@]}" version))
  b+=($(time_ms "${B[@]}" run --rm "$image" true))
  d+=($(time_ms "${D[@]}" run --rm "$image" true))
  bn+=($(time_ms "${B[@]}" run --rm --network none "$image" true))
  dn+=($(time_ms "${D[@]}" run --rm --network none "$image" true))
done
mb=$(median "${b[@]}"); md=$(median "${d[@]}"); mbn=$(median "${bn[@]}"); mdn=$(median "${dn[@]}")
echo "a. docker run --rm $image true: $runs runs each, alternating, median ms"
printf '   %-22s berth %5s   dockerd %5s   ratio %s\n' "default (bridge)" "$mb" "$md" "$(ratio "$mb" "$md")"
printf '   %-22s berth %5s   dockerd %5s   ratio %s\n' "--network none" "$mbn" "$mdn" "$(ratio "$mbn" "$mdn")"
printf '   %-22s %5s ms (the docker CLI alone: the floor under both)\n' "docker version" "$(median "${cli[@]}")"
echo "   berth bridge: ${b[*]}"
echo "   dockerd bridge: ${d[*]}"

sleep 2
containerd_pids() { pids_of "^containerd .*$work"; }
shim_pids() { pids_of "containerd-shim.*$work"; }
monitor_pids() { pids_of "__monitor[^ ]* .*$work"; }  # the zygote and the monitors forked from it
report() { # LABEL PID…
  local label="$1"; shift
  read -r rss pss < <(mem_kib "$@")
  printf '   %-34s %3d processes  RSS %7.1f MB  PSS %7.1f MB\n' "$label" "$#" "$(echo "$rss / 1024" | bc -l)" "$(echo "$pss / 1024" | bc -l)"
}
echo "b. memory (MB = MiB; RSS sums count shared pages once per process, PSS sums do not)"
report "berth daemon, 2 s after the runs" "$bpid"
report "dockerd + containerd, 2 s after" "$dpid" $(containerd_pids)
# berth's daemon gives back its clean code pages after 10 s without a
# request (IdleMemory); idle is measured past that.
sleep 13
report "berth daemon, idle (15 s)" "$bpid"
report "dockerd + containerd, idle (15 s)" "$dpid" $(containerd_pids)

for side in berth dockerd; do
  sock="$bsock"; [ $side = dockerd ] && sock="$dsock"
  s=$(date +%s%N)
  for i in $(seq "$count"); do docker -H "$sock" run -d "$image" sleep 100000 >/dev/null; done
  e=$(date +%s%N)
  echo "   $side: $count x docker run -d … sleep: $(( (e - s) / 1000000 / count )) ms each"
done
sleep 2
running=$("${B[@]}" ps -q | wc -l); drunning=$("${D[@]}" ps -q | wc -l)
echo "   with $count sleep containers running (berth: $running, dockerd: $drunning):"
report "berth daemon" "$bpid"
report "berth monitors + zygote" $(monitor_pids)
report "berth daemon + monitors" "$bpid" $(monitor_pids)
report "dockerd" "$dpid"
report "containerd" $(containerd_pids)
report "containerd shims" $(shim_pids)
report "dockerd + containerd + shims" "$dpid" $(containerd_pids) $(shim_pids)

for side in berth dockerd; do
  sock="$bsock"; [ $side = dockerd ] && sock="$dsock"
  s=$(date +%s%N)
  docker -H "$sock" rm -f $(docker -H "$sock" ps -aq) >/dev/null
  e=$(date +%s%N)
  echo "   $side: docker rm -f of $count running containers: $(( (e - s) / 1000000 )) ms"
done
