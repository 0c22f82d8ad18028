#!/bin/sh
# The "database": a tiny key-value server. busybox nc runs kv-handler.sh for
# each connection (-ll: keep listening); data lives in /data, a volume.
mkdir -p /data
echo "kv server listening on :6379, data in /data"
exec nc -ll -p 6379 -e /kv-handler.sh
