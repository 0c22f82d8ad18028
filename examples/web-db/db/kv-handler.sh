#!/bin/sh
# One request per connection: "SET key value" → "OK", "GET key" → the value
# (or "NOTFOUND"). Keys are [A-Za-z0-9_-] only, so a key is a file name.
read -r verb key value
case "$key" in
  ''|*[!A-Za-z0-9_-]*) echo "ERR bad key"; exit 0 ;;
esac
case "$verb" in
  SET) printf '%s\n' "$value" > "/data/$key.tmp" && mv "/data/$key.tmp" "/data/$key" && echo OK ;;
  GET) if [ -f "/data/$key" ]; then cat "/data/$key"; else echo NOTFOUND; fi ;;
  *) echo "ERR unknown command" ;;
esac
