#!/usr/bin/env bash
# berth's seed example, end to end: builds berth, starts `berth daemon` on its
# own socket and data root, builds the web-db example images offline, runs
# the web app and its key-value database (examples/web-db/compose.yaml: a
# private network, a published port, a named volume) with
# `berth compose up -d`, stores and reads back a value through the web app
# from the host, shows the data survives `down` and `up`, and cleans
# everything up with `down -v` (also on Ctrl-C).
# Run as root: `sudo bash scripts/demo.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run as root: sudo bash scripts/demo.sh" >&2; exit 1; }
bash scripts/install-deps.sh
export PATH=/opt/swift/usr/bin:$PATH
swift build
berth="$(swift build --show-bin-path)/berth"
echo "berth built: $("$berth" --version)"

work="$(mktemp -d /tmp/berth-demo.XXXXXX)"
export DOCKER_HOST="unix://$work/berth.sock"
export DOCKER_CONFIG="$work/docker-config"
PORT="${PORT:-8080}"
daemon_pid=""
cleanup() {
  set +e
  echo "--- cleaning up"
  [ -S "$work/berth.sock" ] && "$berth" compose -f examples/web-db/compose.yaml down -v >/dev/null 2>&1
  if [ -n "$daemon_pid" ]; then kill -TERM "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; fi
  grep " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo '{}' > "$work/daemon.json"
"$berth" daemon -H "$DOCKER_HOST" --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/berth.pid" \
  --config-file "$work/daemon.json" --bridge berthdemo0 > "$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
docker version --format 'docker CLI {{.Client.Version}} → berth {{.Server.Version}}'
bash examples/web-db/build-images.sh "$work/images" --load

compose() { PORT="$PORT" "$berth" compose -f examples/web-db/compose.yaml "$@"; }
compose up -d
compose ps
get() { for _ in $(seq 50); do curl -fsS "$1" && return 0; sleep 0.2; done; return 1; }
echo "--- storing greeting=hello-from-berth through the web app"
get "http://127.0.0.1:$PORT/cgi-bin/kv?key=greeting&value=hello-from-berth"
echo "--- reading it back"
get "http://127.0.0.1:$PORT/cgi-bin/kv?key=greeting"
echo "--- down and up again (the named volume keeps the data)"
compose down
compose up -d
get "http://127.0.0.1:$PORT/cgi-bin/kv?key=greeting"
echo "--- down -v"
compose down -v
echo "--- done"
