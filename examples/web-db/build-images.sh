#!/usr/bin/env bash
# Builds the example's two images offline, from Debian's busybox-static, as
# one-layer docker archives (what `docker save` writes: manifest.json, the
# config, layer.tar): OUT_DIR/web-db-kv.tar and OUT_DIR/web-db-web.tar,
# tagged web-db-kv:latest and web-db-web:latest. With --load they are then
# loaded with `docker load` into the daemon DOCKER_HOST points at.
#   Usage: build-images.sh OUT_DIR [--load]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build-images.sh OUT_DIR [--load]}"
load="${2:-}"
root="$out/build"
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-static missing (apt-get install busybox-static)" >&2; exit 1; }

base() { # base ROOTFS: busybox with its applets, passwd, group
  local r="$1"
  rm -rf "$r"; mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root}
  chmod 1777 "$r/tmp"
  cp "$busybox" "$r/bin/busybox"
  for applet in $("$busybox" --list); do [ "$applet" = busybox ] || ln -s busybox "$r/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/www:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nwww:x:33:\n' > "$r/etc/group"
}

kv="$root/web-db-kv_latest"
base "$kv/rootfs"
install -m 755 "$here/db/kv-server.sh" "$kv/rootfs/kv-server.sh"
install -m 755 "$here/db/kv-handler.sh" "$kv/rootfs/kv-handler.sh"
mkdir -p "$kv/rootfs/data"
echo "seeded by the image" > "$kv/rootfs/data/README"
cat > "$kv/config.json" <<'JSON'
{"architecture":"amd64","os":"linux","created":"2025-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/kv-server.sh"],
           "ExposedPorts":{"6379/tcp":{}},"Volumes":{"/data":{}},"Labels":{"org.example":"web-db-kv"}},
 "rootfs":{"type":"layers","diff_ids":[]}}
JSON

web="$root/web-db-web_latest"
base "$web/rootfs"
mkdir -p "$web/rootfs/www/cgi-bin"
install -m 644 "$here/web/index.html" "$web/rootfs/www/index.html"
install -m 755 "$here/web/kv.cgi" "$web/rootfs/www/cgi-bin/kv"
cat > "$web/config.json" <<'JSON'
{"architecture":"amd64","os":"linux","created":"2025-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin","DB_HOST=db"],"Cmd":["httpd","-f","-v","-p","80","-h","/www"],
           "ExposedPorts":{"80/tcp":{}},"Labels":{"org.example":"web-db-web"}},
 "rootfs":{"type":"layers","diff_ids":[]}}
JSON
# archive NAME DIR: DIR/rootfs as the layer, DIR/config.json with its diff ID.
archive() {
  local name="$1" dir="$2" staging="$2/archive"
  rm -rf "$staging"; mkdir -p "$staging"
  tar --numeric-owner -C "$dir/rootfs" -cf "$staging/layer.tar" .
  local sum; sum=$(sha256sum "$staging/layer.tar" | cut -c1-64)
  sed "s/\"diff_ids\":\[\]/\"diff_ids\":[\"sha256:$sum\"]/" "$dir/config.json" > "$staging/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s:latest"],"Layers":["layer.tar"]}]' "$name" > "$staging/manifest.json"
  tar -C "$staging" -cf "$out/$name.tar" manifest.json config.json layer.tar
}
archive web-db-kv "$kv"
archive web-db-web "$web"
rm -rf "$root"
echo "built $out/web-db-kv.tar and $out/web-db-web.tar"
if [ "$load" = "--load" ]; then
  docker load -i "$out/web-db-kv.tar"
  docker load -i "$out/web-db-web.tar"
fi
