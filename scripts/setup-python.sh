#!/usr/bin/env bash
# Set up the Python side of the analytics consumers: one virtual environment per tool
# (the Spark job's and Airflow's pins conflict), installed from fully pinned requirements,
# and the Spark connector jars resolved from Maven Central into a cache folder, so the job
# downloads nothing when it runs. Safe to run again: it installs only what is missing or
# changed. Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
jars="${AION_SPARK_JARS:-$HOME/.cache/aion-events/spark-jars}"
started=$SECONDS

# venv NAME REQUIREMENTS: create .dev/NAME and install REQUIREMENTS, unless the file is
# unchanged since the last successful install.
venv() {
  local dir=".dev/$1" requirements="$2" stamp
  local step=$SECONDS
  stamp="$dir/.requirements.sha256"
  if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && sha256sum -c --status "$stamp" 2>/dev/null; then
    say "$dir is up to date"
    return
  fi
  say "installing $requirements into $dir"
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  sha256sum "$requirements" >"$stamp"
  say "$dir ready in $((SECONDS - step))s"
}

venv spark-venv bigdata/spark/requirements.txt
venv airflow-venv bigdata/airflow/requirements.txt

say "Spark connector jars into $jars"
step=$SECONDS
mkdir -p "$jars"
# Spark's own jars ship inside pyspark: only the Kafka connector and what it brings that
# pyspark lacks are copied. The folder is emptied first: the job passes every jar in it,
# and a jar left from an earlier pin would sit on the class path beside the new one.
rm -f "$jars"/*.jar
connector=spark-sql-kafka-0-10_2.13,spark-token-provider-kafka-0-10_2.13
mvn -B -q -Dstyle.color=never -f bigdata/spark/jars/pom.xml dependency:copy-dependencies \
  -DincludeScope=runtime -DincludeArtifactIds="$connector,kafka-clients,commons-pool2" \
  -DoutputDirectory="$jars" -Dmdep.overWriteIfNewer=true
say "jars ready in $((SECONDS - step))s: $(ls "$jars" | tr '\n' ' ')"
say "Python side set up in $((SECONDS - started))s"
