#!/usr/bin/env bash
# Runtime benchmark: `berth runtime run` against `runc run` of the same
# busybox /bin/true bundle (runc spec's defaults: pid/net/ipc/uts/mount
# namespaces, the default mounts, masked paths, a cgroup), alternating,
# N rounds, in one run.
#
#   bench/runtime.sh [ROUNDS] [BERTH_BINARY]    (root; default 50, .build/release/berth)
# State directories live on /run (tmpfs) for both, as their defaults do.
#
# Prints each side's median and p90 wall time (ms) and the ratio berth/runc.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-50}
BERTH=${2:-.build/release/berth}
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$BERTH" ] || { echo "$BERTH missing: swift build -c release --static-swift-stdlib" >&2; exit 1; }
RUNC=$(command -v runc || echo /usr/sbin/runc)
[ -x "$RUNC" ] || { echo "runc missing: scripts/install-deps.sh" >&2; exit 1; }

WORK=$(mktemp -d /tmp/berth-bench-rt-XXXXXX)

STATE=$(mktemp -d /run/berth-bench-state-XXXXXX)
trap 'rm -rf "$WORK" "$STATE"' EXIT
mkdir -p "$WORK/bundle/rootfs/bin" "$WORK/bundle/rootfs/"{proc,dev,sys,tmp}
cp /bin/busybox "$WORK/bundle/rootfs/bin/"
ln -s busybox "$WORK/bundle/rootfs/bin/true"
(cd "$WORK/bundle" && "$RUNC" spec)
python3 - "$WORK/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(p, "w"))
PY

now_ns() { date +%s%N; }
: > "$WORK/berth.ms"; : > "$WORK/runc.ms"
for i in $(seq "$ROUNDS"); do
  t0=$(now_ns); "$BERTH" runtime --root "$STATE/berth" run --bundle "$WORK/bundle" "b$i" >/dev/null; t1=$(now_ns)
  echo $(( (t1 - t0) / 1000 )) >> "$WORK/berth.ms"
  t0=$(now_ns); "$RUNC" --root "$STATE/runc" run --bundle "$WORK/bundle" "r$i" >/dev/null; t1=$(now_ns)
  echo $(( (t1 - t0) / 1000 )) >> "$WORK/runc.ms"
done
python3 - "$WORK/berth.ms" "$WORK/runc.ms" "$ROUNDS" <<'PY'
import statistics, sys
def load(p): return sorted(int(x) / 1000 for x in open(p))
b, r = load(sys.argv[1]), load(sys.argv[2])
p90 = lambda v: v[int(len(v) * 0.9) - 1]
mb, mr = statistics.median(b), statistics.median(r)
print(f"rounds: {sys.argv[3]} each, alternating")
print(f"berth runtime run: median {mb:.1f} ms, p90 {p90(b):.1f} ms")
print(f"runc run:          median {mr:.1f} ms, p90 {p90(r):.1f} ms")
print(f"ratio berth/runc (median): {mb / mr:.2f}")
PY
