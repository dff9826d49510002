#!/usr/bin/env bash
#
# bootstrap_kafka.sh: brings a Kafka cluster and its schema registry in line
# with bigdata/topics.yaml for one environment (topics and their settings,
# SCRAM users, least-privilege ACLs, value schemas). A thin wrapper over
# `aion-events bootstrap`; docs/bootstrap.md describes what it does.
#
# Connection settings come from the environment (AION_KAFKA_*, AION_REGISTRY_URL,
# AION_REGISTRY_BASIC_AUTH) or from files (--kafka-config, --registry-config,
# or the AION_KAFKA_CONFIG / AION_REGISTRY_CONFIG variables naming them).
# The binary is $AION_EVENTS_BIN when set, else built from this checkout.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly REPO_ROOT

usage() {
    cat <<EOF
usage: bigdata/scripts/bootstrap_kafka.sh --env dev|prod [options]

Reconciles the cluster and the schema registry with bigdata/topics.yaml.
Prints the plan, then applies it. Never deletes anything unless --prune.

options (passed to \`aion-events bootstrap\`):
  --env ENV              environment of the catalog (dev, prod)
  --plan                 print the plan only; change nothing
  --prune                delete ACLs of catalog accounts the catalog does not generate
  --secrets FILE         YAML map account -> password (chmod 600; never commit it)
  --rotate-passwords     replace the credentials of existing users
  --kafka-config FILE    Kafka client settings (YAML); default: AION_KAFKA_* variables
  --registry-config FILE registry properties (url, basic.auth.user.info);
                         default: AION_REGISTRY_URL / AION_REGISTRY_BASIC_AUTH
  --timeout DURATION     bound for reaching each service and each request (30s)

environment:
  AION_SA_<ACCOUNT>_PASSWORD  password of a service account
                              (e.g. AION_SA_WEBHOOK_DISPATCHER_PASSWORD)
  AION_KAFKA_CONFIG           file used when --kafka-config is not given
  AION_REGISTRY_CONFIG        file used when --registry-config is not given
  AION_CATALOG                catalog file (default: bigdata/topics.yaml)
  AION_EVENTS_BIN             aion-events binary to run instead of building one

exit codes: 0 done or nothing to do, 1 refused or failed midway, 2 could not run
EOF
}

for arg in "$@"; do
    case $arg in
        -h | --help)
            usage
            exit 0
            ;;
    esac
done

args=("$@")
if [[ -n ${AION_KAFKA_CONFIG:-} && " $* " != *" --kafka-config "* ]]; then
    args+=(--kafka-config "$AION_KAFKA_CONFIG")
fi
if [[ -n ${AION_REGISTRY_CONFIG:-} && " $* " != *" --registry-config "* ]]; then
    args+=(--registry-config "$AION_REGISTRY_CONFIG")
fi

cd "$REPO_ROOT"
if [[ -n ${AION_EVENTS_BIN:-} ]]; then
    exec "$AION_EVENTS_BIN" bootstrap "${args[@]}"
fi
exec cargo run --release -q --bin aion-events -- bootstrap "${args[@]}"
