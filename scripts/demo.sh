#!/usr/bin/env bash
# berth's seed example, end to end: builds berth, starts `berth daemon` on its
# own socket and data root, builds the web-db example images offline, runs a
# web app and a key-value database on a private network with the docker CLI,
# stores and reads back a value through the web app from the host, shows the
# data survives recreating the database, and cleans everything up (also on
# Ctrl-C). Run as root: `sudo bash scripts/demo.sh`.
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
  bash examples/web-db/cleanup.sh
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

PORT="$PORT" bash examples/web-db/run.sh
docker ps --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}\t{{.Ports}}'
get() { for _ in $(seq 50); do curl -fsS "$1" && return 0; sleep 0.2; done; return 1; }
echo "--- storing greeting=hello-from-berth through the web app"
get "http://127.0.0.1:$PORT/cgi-bin/kv?key=greeting&value=hello-from-berth"
echo "--- reading it back"
get "http://127.0.0.1:$PORT/cgi-bin/kv?key=greeting"
echo "--- recreating the database container (the named volume keeps the data)"
docker rm -f db >/dev/null
docker run -d --name db --network webdb -v webdb-data:/data web-db-kv:latest >/dev/null
get "http://127.0.0.1:$PORT/cgi-bin/kv?key=greeting"
echo "--- done"
