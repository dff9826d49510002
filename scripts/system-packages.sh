#!/usr/bin/env bash
# Install the Debian packages a fresh machine lacks for building and running the project;
# nothing when every one is present. Called by setup.sh and by dev.sh, so the demo works
# on a machine that has only the clone and Rust.
set -euo pipefail

say() { printf '==> %s\n' "$*"; }

# Debian packages: compilers and headers for librdkafka (SSL for SCRAM, zlib, and curl's
# headers, which librdkafka's configuration code includes), a JDK 17 for Kafka and for the
# broker's readiness probe (compiled on first start), Maven to resolve Kafka's jars, and
# Prometheus (the server and promtool) for the metrics tests, which start their own server
# on loopback; the package's own service plays no part.
packages=(build-essential cmake pkg-config libssl-dev zlib1g-dev libcurl4-openssl-dev
  openjdk-17-jdk-headless maven python3 python3-venv prometheus)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "system packages present"
fi
