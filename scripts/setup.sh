#!/usr/bin/env bash
# Set up a fresh machine for Aion Event Streams: the system packages that building
# librdkafka and running Apache Kafka need, Kafka itself (from Maven Central, cached outside
# the repository), and a build of the workspace. Safe to run again: it installs only what
# is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

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

if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
if ! rustup component list --installed 2>/dev/null | grep -q '^clippy'; then
  rustup component add clippy rustfmt
fi

say "fetching Apache Kafka"
scripts/kafka.sh fetch

say "Python environment for the interoperability tests (.dev/interop-venv)"
if [ ! -x .dev/interop-venv/bin/python ]; then
  python3 -m venv .dev/interop-venv
fi
.dev/interop-venv/bin/pip install -q --disable-pip-version-check -r tests/interop/requirements.txt

say "Python side of the analytics consumers (Spark job, Airflow DAG)"
scripts/setup-python.sh

say "building the workspace (the first build compiles librdkafka: a few minutes)"
cargo build --workspace --all-targets --locked
say "set up; run scripts/test.sh"
