# Shared helpers of the benchmarks (source it: `. "$(dirname "$0")/lib.sh"`).
#
#   bench_init                 a work directory ($work) removed on exit, with everything below undone
#   start_berth BERTH [ARGS]   `berth daemon` on its own data root, exec root and socket ($bsock, $bpid);
#                              $BERTH_DAEMON_ARGS adds daemon flags (e.g. --runtime PATH)
#   start_dockerd [ARGS]       Debian's dockerd likewise ($dsock, $dpid), --iptables=false, on its own
#                              bridge benchdocker0 (10.99.0.1/24) unless ARGS name --bridge
#   wait_daemons               until every started daemon answers
#   load_busybox               the offline-built busybox image (examples/web-db) into every daemon: $image
#   time_ms CMD…               runs CMD (output dropped), prints its wall time in ms; fails with CMD
#   median N…, ratio A B       the median of N…; A/B with two decimals
#   pids_of REGEX              pids whose command line matches REGEX (pgrep -f), e.g. "__monitor.*$work"
#   mem_kib PID…               "RSS PSS" summed over the pids, in KiB (smaps_rollup)
#
# dockerd runs with --iptables=false so that it leaves no chains in the host's
# iptables (docker-proxy publishes ports then). Everything is cleaned up on
# exit: containers, daemons, mounts under $work, the bridges, cgroups made.

bench_require() {
  [ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
}

bench_init() {
  bench_require
  work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
  bsock="unix://$work/berth.sock"; dsock="unix://$work/docker.sock"
  bpid=""; dpid=""; bench_cleanups=()
  bench_cgroups_before="$(mktemp /tmp/berth-bench-cgroups.XXXXXX)"
  ls -d /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth /sys/fs/cgroup/docker /sys/fs/cgroup/*/docker 2>/dev/null \
    > "$bench_cgroups_before" || true
  trap bench_cleanup EXIT
}

bench_cleanup() {
  set +e
  for c in "${bench_cleanups[@]}"; do eval "$c"; done
  if [ -n "$bpid" ]; then
    docker -H "$bsock" rm -f $(docker -H "$bsock" ps -aq) >/dev/null 2>&1
    kill -TERM "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
  fi
  if [ -n "$dpid" ]; then
    docker -H "$dsock" rm -f $(docker -H "$dsock" ps -aq) >/dev/null 2>&1
    kill -TERM "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
  fi
  # berth's containers outlive its daemon: if the daemon was killed from
  # outside (a timeout signals the whole process group), end them by pid.
  local f id d
  for f in "$work"/berth-exec/*/init.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
  sleep 0.3
  for f in "$work"/berth-exec/*/monitor.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
  for f in "$work"/berth-exec/*/init.pid; do
    id=$(basename "$(dirname "$f")")
    for d in /sys/fs/cgroup/berth/"$id" /sys/fs/cgroup/*/berth/"$id"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
  done
  nft delete table ip berth-benchberth0 2>/dev/null
  grep " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  ip link del benchdocker0 2>/dev/null
  ip link del benchberth0 2>/dev/null
  # The berth (and dockerd's docker) parent cgroups, only where this run made them.
  for d in /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth /sys/fs/cgroup/docker /sys/fs/cgroup/*/docker; do
    [ -d "$d" ] && ! grep -qxF "$d" "$bench_cgroups_before" && rmdir "$d" 2>/dev/null
  done
  rm -f "$bench_cgroups_before"
  rm -rf "$work"
  return 0
}

start_berth() {
  local berth="$1"; shift
  [ -x "$berth" ] || { echo "$berth missing: swift build -c release --static-swift-stdlib" >&2; exit 1; }
  [ -f "$work/berth.json" ] || echo '{}' > "$work/berth.json"
  "$berth" daemon -H "$bsock" --data-root "$work/berth-data" --exec-root "$work/berth-exec" --pidfile "$work/berth.pid" \
    --config-file "$work/berth.json" --bridge benchberth0 ${BERTH_DAEMON_ARGS:-} "$@" > "$work/berth.log" 2>&1 &
  bpid=$!
}

start_dockerd() {
  command -v dockerd >/dev/null || { echo "dockerd missing: bash scripts/install-deps.sh" >&2; exit 1; }
  local bridge=(--bridge benchdocker0)
  case " $* " in *" --bridge"*) bridge=() ;; esac
  if [ ${#bridge[@]} -gt 0 ]; then
    ip link add benchdocker0 type bridge && ip addr add 10.99.0.1/24 dev benchdocker0 && ip link set benchdocker0 up
  fi
  dockerd -H "$dsock" --data-root "$work/docker-data" --exec-root "$work/docker-exec" --pidfile "$work/docker.pid" \
    --iptables=false --ip6tables=false "${bridge[@]}" "$@" > "$work/dockerd.log" 2>&1 &
  dpid=$!
}

wait_daemons() {
  for _ in $(seq 150); do
    local ok=1
    [ -n "$bpid" ] && ! docker -H "$bsock" version >/dev/null 2>&1 && ok=0
    [ -n "$dpid" ] && ! docker -H "$dsock" version >/dev/null 2>&1 && ok=0
    [ $ok = 1 ] && return 0
    sleep 0.2
  done
  [ -n "$bpid" ] && { docker -H "$bsock" version >/dev/null 2>&1 || { cat "$work/berth.log" >&2; exit 1; }; }
  [ -n "$dpid" ] && { docker -H "$dsock" version >/dev/null 2>&1 || { cat "$work/dockerd.log" >&2; exit 1; }; }
}

load_busybox() {
  [ -f "$work/images/web-db-web.tar" ] || bash examples/web-db/build-images.sh "$work/images" >/dev/null
  image=web-db-web:latest
  [ -n "$bpid" ] && docker -H "$bsock" load -i "$work/images/web-db-web.tar" >/dev/null
  [ -n "$dpid" ] && docker -H "$dsock" load -i "$work/images/web-db-web.tar" >/dev/null
  return 0
}

time_ms() {
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null 2>"$work/last.err" || { echo "failed: $*" >&2; cat "$work/last.err" >&2; exit 1; }
  e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a/b }'; }

pids_of() { pgrep -f -- "$1" || true; }

mem_kib() {
  local rss=0 pss=0 p r s
  for p in "$@"; do
    r=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    s=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    rss=$((rss + ${r:-0})); pss=$((pss + ${s:-0}))
  done
  echo "$rss $pss"
}
