#!/usr/bin/env bash
# The project's test command: formatting, lints, the catalog and mirror checks, then every
# test of the workspace against a real Kafka broker (SCRAM and ACLs on). A broker that is
# already running is reused and left running; one started here is stopped on the way out,
# whether the tests pass or not.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

say() { printf '==> %s\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "catalog and Avro mirrors"
cargo run --quiet --locked --bin aion-events -- catalog check
cargo run --quiet --locked --bin aion-events -- schemas check

started_here=0
if ! scripts/kafka.sh status >/dev/null 2>&1; then
  started_here=1
fi
stop_broker() {
  if [ "$started_here" -eq 1 ]; then
    say "stopping the broker started for the tests"
    scripts/kafka.sh stop || true
  fi
}
trap stop_broker EXIT
scripts/kafka.sh start

say "cargo test"
cargo test --workspace --locked

say "interoperability with Confluent's Python client"
eval "$(scripts/kafka.sh env)"
PYTHONDONTWRITEBYTECODE=1 .dev/interop-venv/bin/pytest -q -p no:cacheprovider tests/interop

say "analytics consumers: Spark job, ClickHouse load and training DAG, end to end"
PYTHONDONTWRITEBYTECODE=1 .dev/spark-venv/bin/pytest -q -p no:cacheprovider tests/analytics
