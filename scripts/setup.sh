#!/usr/bin/env bash
# Set up a fresh machine for Aion Event Streams: the system packages that building
# librdkafka and running Apache Kafka need, Kafka itself (from Maven Central, cached outside
# the repository), and a build of the workspace. Safe to run again: it installs only what
# is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

scripts/system-packages.sh

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
