#!/usr/bin/env bash
# TCP throughput host → container through a published port (issue 5):
# iperf3 (Debian's, bind-mounted with the host's /usr into the busybox image)
# serves inside a container started with `-p PORT:5201`; the host's iperf3
# client sends for SECONDS to 127.0.0.1:PORT. The baseline is the same
# transfer over the host's loopback (an iperf3 server on the host). Also
# shown: straight to the container's address (the veth, no NAT), and
# dockerd's published port (docker-proxy, as it runs with --iptables=false).
# Rounds alternate; medians in Gbit/s and the ratio published/loopback.
# Usage: sudo bash bench/throughput.sh [ROUNDS] [BERTH] [SECONDS]   (BERTH: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds="${1:-5}"
berth="${2:-.build-release/release/berth}"
seconds="${3:-3}"
command -v iperf3 >/dev/null || { echo "iperf3 missing: bash scripts/install-deps.sh" >&2; exit 1; }
bench_init
start_berth "$berth"
start_dockerd
wait_daemons
load_busybox
libs=(-v /usr:/usr:ro -v "$(realpath /lib)":/lib:ro -v "$(realpath /lib64)":/lib64:ro)
serve() { # SOCK PORT → container id
  docker -H "$1" run -d -p "$2:5201" "${libs[@]}" "$image" /usr/bin/iperf3 -s -p 5201
}
bid=$(serve "$bsock" 15201)
did=$(serve "$dsock" 15202)
bip=$(docker -H "$bsock" inspect -f '{{.NetworkSettings.IPAddress}}' "$bid")
iperf3 -s -p 15203 -D --pidfile "$work/iperf3.pid" >/dev/null
bench_cleanups+=('kill "$(cat "$work/iperf3.pid")" 2>/dev/null')
# Until both servers answer.
for port in 15201 15202 15203; do
  for _ in $(seq 50); do timeout 5 iperf3 -c 127.0.0.1 -p $port -t 1 >/dev/null 2>&1 && break; sleep 0.2; done
done
gbits() { # HOST PORT → Gbit/s received
  iperf3 -c "$1" -p "$2" -t "$seconds" -J > "$work/iperf.json" || { cat "$work/iperf.json" >&2; exit 1; }
  python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$work/iperf.json"
}
loop=(); pub=(); direct=(); dpub=()
for _ in $(seq "$rounds"); do
  loop+=($(gbits 127.0.0.1 15203))
  pub+=($(gbits 127.0.0.1 15201))
  direct+=($(gbits "$bip" 5201))
  dpub+=($(gbits 127.0.0.1 15202))
done
ml=$(median "${loop[@]}"); mp=$(median "${pub[@]}"); mdir=$(median "${direct[@]}"); md=$(median "${dpub[@]}")
echo "iperf3 host → container, $rounds rounds of ${seconds} s, alternating, median Gbit/s"
printf '   %-40s %6s   (%s)\n' "host loopback 127.0.0.1" "$ml" "${loop[*]}"
printf '   %-40s %6s   (%s)\n' "berth -p 15201:5201 via 127.0.0.1" "$mp" "${pub[*]}"
printf '   %-40s %6s   (%s)\n' "berth container address $bip:5201" "$mdir" "${direct[*]}"
printf '   %-40s %6s   (%s)\n' "dockerd -p 15202:5201 via 127.0.0.1" "$md" "${dpub[*]}"
echo "   berth published / loopback: $(ratio "$mp" "$ml")   dockerd published / loopback: $(ratio "$md" "$ml")"
