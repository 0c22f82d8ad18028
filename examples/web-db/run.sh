#!/usr/bin/env bash
# Runs the example with the docker CLI against $DOCKER_HOST (berth):
# a private network, the database on a named volume, the web app published
# on the host's port $PORT (default 8080).
set -euo pipefail
PORT="${PORT:-8080}"
docker network create webdb >/dev/null
docker volume create webdb-data >/dev/null
docker run -d --name db --network webdb -v webdb-data:/data web-db-kv:latest >/dev/null
docker run -d --name web --network webdb -p "$PORT:80" web-db-web:latest >/dev/null
echo "web app on http://127.0.0.1:$PORT/ (database 'db' on network webdb, data in volume webdb-data)"
