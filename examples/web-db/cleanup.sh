#!/usr/bin/env bash
# Removes what run.sh made (ignores what is already gone).
docker rm -f web db >/dev/null 2>&1 || true
docker network rm webdb >/dev/null 2>&1 || true
docker volume rm webdb-data >/dev/null 2>&1 || true
