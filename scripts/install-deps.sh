#!/usr/bin/env bash
# Installs what berth's build and tests need, from Debian's packages only.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail
packages=(
  # C libraries berth links
  libseccomp-dev libsqlite3-dev libarchive-dev libyaml-dev libzstd-dev zlib1g-dev
  # real peers the tests run against
  busybox-static runc docker-registry qemu-user-static docker.io docker-compose
  # host tools the tests and benchmarks use
  iproute2 nftables iptables hyperfine iperf3 openssl apache2-utils curl time
  # the runtime tests build their payload program static; berth-monitor
  # (the per-container monitor the berth binary carries) is built static with musl
  gcc libc6-dev musl-tools
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# docker.io's package may start dockerd and registry services; berth's tests
# start their own peers on their own sockets and ports.
