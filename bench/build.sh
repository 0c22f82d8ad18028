#!/usr/bin/env bash
# Classic-builder build times: berth vs dockerd (Debian's docker.io, on its
# own data root, exec root and socket, --iptables=false --bridge=none, as
# bench/network-start.sh runs it), both driven by `DOCKER_BUILDKIT=0 docker
# build` on the same context: a two-stage Dockerfile with four RUN steps and
# a COPY of FILES files. Each round, alternating between the daemons: a cold
# build (--no-cache), a fully cached rebuild, and a rebuild after one file
# of the COPY changed. Medians and berth/dockerd ratios are printed.
# The RUN steps use --network none on both (dockerd has no bridge here).
# Usage: sudo bash bench/build.sh [ROUNDS] [BERTH] [FILES]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
berth="${2:-.build/x86_64-unknown-linux-gnu/release/berth}"
files="${3:-3000}"
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
  rmdir /sys/fs/cgroup/berth 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
bash examples/web-db/build-images.sh "$work/images" >/dev/null
echo '{}' > "$work/daemon.json"
"$berth" daemon -H "$bsock" --data-root "$work/berth-data" --exec-root "$work/berth-exec" --pidfile "$work/berth.pid" \
  --config-file "$work/daemon.json" --bridge benchberth0 > "$work/berth.log" 2>&1 &
bpid=$!
dockerd -H "$dsock" --data-root "$work/docker-data" --exec-root "$work/docker-exec" --pidfile "$work/docker.pid" \
  --bridge none --iptables=false > "$work/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do docker -H "$bsock" version >/dev/null 2>&1 && docker -H "$dsock" version >/dev/null 2>&1 && break; sleep 0.2; done
docker -H "$bsock" load -i "$work/images/web-db-web.tar" >/dev/null
docker -H "$dsock" load -i "$work/images/web-db-web.tar" >/dev/null

ctx="$work/context"
mkdir -p "$ctx/src"
for ((i = 0; i < files; i++)); do
  d="$ctx/src/d$((i / 100))"; mkdir -p "$d"
  printf 'file %d of the build context\n' "$i" > "$d/f$i.txt"
done
cat > "$ctx/Dockerfile" <<'EOF'
FROM web-db-web:latest AS build
RUN mkdir -p /out && echo stage one > /out/stage
COPY src /src
RUN find /src -type f | wc -l > /out/count && cat /src/d0/f0.txt > /out/first
RUN tar -cf /out/src.tar -C /src .
FROM web-db-web:latest
ENV APP=bench
COPY --from=build /out /out
RUN ls -l /out > /out/listing
CMD ["cat", "/out/count"]
EOF

build() { DOCKER_BUILDKIT=0 docker -H "$1" build --network none -t bench:latest "${@:2}" "$ctx" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }; }
time_build() { local s e; s=$(date +%s%N); build "$@"; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
bcold=(); bcached=(); bchanged=(); dcold=(); dcached=(); dchanged=()
for r in $(seq "$rounds"); do
  for daemon in berth dockerd; do
    sock="$bsock"; [ "$daemon" = dockerd ] && sock="$dsock"
    cold=$(time_build "$sock" --no-cache)
    cached=$(time_build "$sock")
    grep -q "Using cache" "$work/last.log" || { echo "$daemon: the rebuild used no cache" >&2; exit 1; }
    printf 'file changed in round %d for %s\n' "$r" "$daemon" > "$ctx/src/d7/f750.txt"
    changed=$(time_build "$sock")
    [ "$(docker -H "$sock" run --rm --network none bench:latest)" = "$files" ] || { echo "$daemon: wrong image" >&2; exit 1; }
    if [ "$daemon" = berth ]; then bcold+=("$cold"); bcached+=("$cached"); bchanged+=("$changed")
    else dcold+=("$cold"); dcached+=("$cached"); dchanged+=("$changed"); fi
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "rounds: $rounds, context: $files files (ms, median)"
for kind in cold cached changed; do
  b="b$kind[@]"; d="d$kind[@]"
  mb=$(median "${!b}"); md=$(median "${!d}")
  awk -v k="$kind" -v b="$mb" -v d="$md" 'BEGIN { printf "%-8s berth %6d  dockerd %6d  ratio %.2f\n", k, b, d, b/d }'
done
