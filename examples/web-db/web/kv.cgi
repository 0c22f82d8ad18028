#!/bin/sh
# The web app: GET /cgi-bin/kv?key=K reads K from the database, and
# GET /cgi-bin/kv?key=K&value=V stores it. The database is found by its
# container name ($DB_HOST, default "db") through the network's DNS.
db="${DB_HOST:-db}"
key=$(echo "$QUERY_STRING" | sed -n 's/.*\(^\|&\)key=\([^&]*\).*/\2/p')
value=$(echo "$QUERY_STRING" | sed -n 's/.*\(^\|&\)value=\([^&]*\).*/\2/p')
echo "Content-Type: text/plain"
echo
if [ -n "$value" ]; then
  echo "SET $key $value" | nc -w 3 "$db" 6379
else
  echo "GET $key" | nc -w 3 "$db" 6379
fi
