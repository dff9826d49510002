#!/usr/bin/env bash
# dev.sh: a newcomer's one command. Builds `aion-events` (cargo shows its progress; the
# first build compiles librdkafka and takes a few minutes), then runs `aion-events dev`:
# a local Kafka, the schema registry, the gateway and the webhook dispatcher, one event
# loop end to end, until Ctrl-C. Arguments go to `aion-events dev` (try `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

command -v cargo >/dev/null 2>&1 || {
  echo "dev.sh: cargo not found: install Rust (rustup) first" >&2
  exit 1
}
# The toolchain librdkafka builds with, Java for the broker, Maven to fetch it.
scripts/system-packages.sh

printf '==> building aion-events\n'
# `cargo run` replaces itself with the program, so Ctrl-C and SIGTERM reach `dev` directly.
exec cargo run --locked --bin aion-events -- dev "$@"
