#!/usr/bin/env bash
#
# kafka.sh: the development and test broker. Resolves Apache Kafka's own jars
# from Maven Central into a cache outside the repository, then runs one KRaft
# node (broker and controller in one JVM) on loopback with SASL/SCRAM-SHA-512
# on the client listener and the StandardAuthorizer denying by default, so
# every test runs under real authentication and ACLs.
#
# Usage: scripts/kafka.sh fetch|start|stop|status|env|reset
# Settings and their reasons: docs/kafka-dev.md.

set -euo pipefail

readonly KAFKA_VERSION=4.1.1
readonly LOG4J_VERSION=2.24.3

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT

readonly CACHE_DIR=${AION_CACHE_DIR:-$HOME/.cache/aion-events}
readonly DIST_DIR=$CACHE_DIR/kafka-$KAFKA_VERSION
readonly LIBS_DIR=$DIST_DIR/libs
readonly COMPLETE_MARKER=$DIST_DIR/.complete

readonly PORT=${AION_KAFKA_PORT:-19092}
readonly CONTROLLER_PORT=${AION_KAFKA_CONTROLLER_PORT:-19093}
readonly KAFKA_DIR=${AION_KAFKA_DIR:-$REPO_ROOT/.dev/kafka}
readonly ADMIN_USER=${AION_KAFKA_ADMIN_USER:-admin}
readonly ADMIN_PASSWORD=${AION_KAFKA_ADMIN_PASSWORD:-aion-dev-admin-secret}
readonly START_TIMEOUT=${AION_KAFKA_START_TIMEOUT:-120}
readonly STOP_TIMEOUT=${AION_KAFKA_STOP_TIMEOUT:-30}

readonly CONFIG_DIR=$KAFKA_DIR/config
readonly DATA_DIR=$KAFKA_DIR/data
readonly LOG_DIR=$KAFKA_DIR/logs
readonly PID_FILE=$KAFKA_DIR/kafka.pid
readonly SERVER_PROPERTIES=$CONFIG_DIR/server.properties
readonly LOG4J_PROPERTIES=$CONFIG_DIR/log4j2.properties
readonly CLIENT_PROPERTIES=$CONFIG_DIR/client.properties
readonly PROBE_SOURCE=$CONFIG_DIR/ReadinessProbe.java
readonly PROBE_LOG4J=$CONFIG_DIR/probe-log4j2.properties
readonly FORMAT_STAMP=$DATA_DIR/.aion-format

readonly BOOTSTRAP=127.0.0.1:$PORT

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    cat >&2 <<EOF
usage: scripts/kafka.sh <command>

  fetch    resolve Apache Kafka $KAFKA_VERSION from Maven Central into $DIST_DIR
  start    format (first run) and start the single-node broker on $BOOTSTRAP
  stop     stop the broker (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s)
  status   report whether the broker runs and answers (exit 0), runs but does
           not answer (exit 1), or is stopped (exit 3)
  env      print export lines for clients (includes the admin password)
  reset    stop the broker and delete its data, logs and configuration
EOF
}

# Every value written into server.properties or passed to --add-scram must
# survive Kafka's own parsers: the SCRAM argument is split on commas and
# brackets, and the JAAS line is quoted.
check_settings() {
    [[ $PORT =~ ^[0-9]+$ ]] || die "AION_KAFKA_PORT must be a port number, got '$PORT'"
    [[ $CONTROLLER_PORT =~ ^[0-9]+$ ]] ||
        die "AION_KAFKA_CONTROLLER_PORT must be a port number, got '$CONTROLLER_PORT'"
    [[ $PORT != "$CONTROLLER_PORT" ]] ||
        die "AION_KAFKA_PORT and AION_KAFKA_CONTROLLER_PORT must differ"
    [[ $ADMIN_USER =~ ^[A-Za-z0-9._-]+$ ]] ||
        die "AION_KAFKA_ADMIN_USER may hold only letters, digits, '.', '_' and '-'"
    [[ -n $ADMIN_PASSWORD ]] || die "AION_KAFKA_ADMIN_PASSWORD must not be empty"
    if [[ $ADMIN_PASSWORD =~ [][,\"\\[:space:]=] ]]; then
        die "AION_KAFKA_ADMIN_PASSWORD must not contain commas, brackets, quotes," \
            "backslashes, '=' or whitespace"
    fi
}

# ---------------------------------------------------------------- fetch

# A throwaway POM is the whole "distribution": Maven resolves the broker's
# runtime class path, and the log4j2 jars that Apache's tarball ships but no
# POM declares.
write_pom() {
    cat >"$1/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.aion</groupId>
  <artifactId>kafka-dev-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-api</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

is_fetched() {
    [[ -f $COMPLETE_MARKER ]] && compgen -G "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null
}

cmd_fetch() {
    if is_fetched; then
        log "Kafka $KAFKA_VERSION already cached in $LIBS_DIR ($(jar_count) jars)"
        return 0
    fi

    command -v mvn >/dev/null || die "mvn not found: install Maven (Debian package 'maven')"
    command -v java >/dev/null || die "java not found: install a Java 17 runtime"

    local work
    work=$(mktemp -d)
    FETCH_WORK_DIR=$work
    trap 'rm -rf "$FETCH_WORK_DIR"' EXIT

    write_pom "$work"
    mkdir -p "$DIST_DIR"
    rm -rf "$LIBS_DIR.partial" "$COMPLETE_MARKER"

    log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION and log4j $LOG4J_VERSION" \
        "from Maven Central"
    local started=$SECONDS
    # Maven's own output is kept for diagnosis; the console gets one line per
    # artifact downloaded or copied so a slow first run visibly progresses.
    if ! mvn -B -f "$work/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$LIBS_DIR.partial" 2>&1 |
        tee "$work/mvn.log" |
        sed -un -e 's/^\[INFO\] Downloaded from [^:]*: .*\/\([^/]*\.jar\) (.*/  downloaded \1/p' \
            -e 's/^\[INFO\] Copying \([^ ]*\) to .*/  copied \1/p' >&2; then
        log "Maven failed; last lines of its output:"
        tail -n 40 "$work/mvn.log" >&2
        exit 1
    fi

    # Publish the directory only once complete, and write the marker last, so
    # an interrupted fetch is redone rather than trusted.
    rm -rf "$LIBS_DIR"
    mv "$LIBS_DIR.partial" "$LIBS_DIR"
    is_jar_present "kafka_2.13-$KAFKA_VERSION.jar" ||
        die "resolution finished but kafka_2.13-$KAFKA_VERSION.jar is missing"
    date -u +%Y-%m-%dT%H:%M:%SZ >"$COMPLETE_MARKER"
    log "fetched $(jar_count) jars into $LIBS_DIR in $((SECONDS - started))s"
}

jar_count() { find "$LIBS_DIR" -maxdepth 1 -name '*.jar' | wc -l; }
is_jar_present() { [[ -f $LIBS_DIR/$1 ]]; }

# ---------------------------------------------------------------- process state

# The pid file is trusted only while that pid is a JVM running kafka.Kafka
# with this directory's configuration; anything else is a stale file.
broker_pid() {
    [[ -f $PID_FILE ]] || return 1
    local pid
    pid=$(<"$PID_FILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *kafka.Kafka*"$SERVER_PROPERTIES"* ]] || return 1
    printf '%s\n' "$pid"
}

resident_memory() {
    awk '/^VmRSS:/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo unknown
}

# An authenticated metadata request through the SCRAM listener: the broker
# counts as ready only when a real client can log in and see the cluster.
# The probe is Kafka's own Java client from the cached jars: the librdkafka in
# Debian's kcat (2.0.2) cannot complete SCRAM against Kafka 4 brokers.
# Exit status: 0 ready, 1 not ready within the time given, 2 refused login.
# The command takes the number of seconds to wait as its last argument.
readonly PROBE_CMD=(
    java -Xmx64m -XX:TieredStopAtLevel=1 "-Dlog4j2.configurationFile=$PROBE_LOG4J"
    -cp "$LIBS_DIR/*" "$PROBE_SOURCE" "$CLIENT_PROPERTIES"
)

broker_answers() {
    [[ -f $PROBE_SOURCE ]] || return 1
    "${PROBE_CMD[@]}" 5 >/dev/null 2>&1
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

log_tail() {
    local file
    for file in "$LOG_DIR/server.log" "$LOG_DIR/kafka.out"; do
        [[ -s $file ]] || continue
        log "last lines of $file:"
        # Kafka hides password-typed settings itself; the filter is a second
        # guard so a failure report can never echo the admin password.
        tail -n 30 "$file" | sed "s/$(escape_sed "$ADMIN_PASSWORD")/***/g" >&2
    done
}

escape_sed() { printf '%s' "$1" | sed 's/[.[\*^$/&]/\\&/g'; }

# ---------------------------------------------------------------- configuration

write_configs() {
    mkdir -p "$CONFIG_DIR" "$DATA_DIR" "$LOG_DIR"
    chmod 700 "$CONFIG_DIR"

    # server.properties carries the broker's own SCRAM login, so it is
    # created private before the secret is written into it.
    (
        umask 077
        cat >"$SERVER_PROPERTIES" <<EOF
# Generated by scripts/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER

listeners=SASL_PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT

sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=\
    org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="$ADMIN_USER" password="$ADMIN_PASSWORD";

authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$ADMIN_USER;User:ANONYMOUS

log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
        write_client_properties
    )
    write_probe

    cat >"$LOG4J_PROPERTIES" <<'EOF'
# Generated by scripts/kafka.sh. The broker log, plus the authorizer's
# decisions in their own file: denials are logged at INFO, which is what
# explains a TOPIC_AUTHORIZATION_FAILED seen by a client.
status = warn
name = aion-kafka-dev

appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = ${sys:kafka.logs.dir}/server.log
appender.server.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 50MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3

appender.authorizer.type = RollingFile
appender.authorizer.name = authorizer
appender.authorizer.fileName = ${sys:kafka.logs.dir}/kafka-authorizer.log
appender.authorizer.filePattern = ${sys:kafka.logs.dir}/kafka-authorizer.log.%i
appender.authorizer.layout.type = PatternLayout
appender.authorizer.layout.pattern = [%d] %p %m (%c)%n
appender.authorizer.policies.type = Policies
appender.authorizer.policies.size.type = SizeBasedTriggeringPolicy
appender.authorizer.policies.size.size = 50MB
appender.authorizer.strategy.type = DefaultRolloverStrategy
appender.authorizer.strategy.max = 3

rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server

logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = INFO
logger.authorizer.additivity = false
logger.authorizer.appenderRef.authorizer.ref = authorizer

logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

# One JVM command line for the broker and its tools. The fixed 512 MiB heap
# is plenty for a development node and keeps its footprint predictable.
readonly JVM_ARGS=(
    -Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$LOG4J_PROPERTIES" "-Dkafka.logs.dir=$LOG_DIR"
    -cp "$LIBS_DIR/*"
)

java_cmd() { java "${JVM_ARGS[@]}" "$@"; }

# Java client settings for the admin: read by the readiness probe, and
# accepted as they are by any Kafka Java client or tool (--command-config).
write_client_properties() {
    cat >"$CLIENT_PROPERTIES" <<EOF
bootstrap.servers=$BOOTSTRAP
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="$ADMIN_USER" password="$ADMIN_PASSWORD";
EOF
}

write_probe() {
    cat >"$PROBE_LOG4J" <<'EOF'
status = off
rootLogger.level = off
EOF
    cat >"$PROBE_SOURCE" <<'EOF'
// Generated by scripts/kafka.sh: waits until the broker answers an
// authenticated DescribeCluster. Arguments: client properties, seconds.
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.errors.AuthenticationException;

public class ReadinessProbe {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            props.load(in);
        }
        props.put("request.timeout.ms", "3000");
        props.put("default.api.timeout.ms", "4000");
        props.put("reconnect.backoff.max.ms", "500");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));

        String last = "no answer";
        boolean refused = false;
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                try {
                    DescribeClusterResult cluster = admin.describeCluster();
                    int nodes = cluster.nodes().get(4, TimeUnit.SECONDS).size();
                    String id = cluster.clusterId().get();
                    System.out.println("cluster " + id + ", " + nodes + " node(s)");
                    System.exit(0);
                } catch (ExecutionException e) {
                    // A restarted broker may accept connections before it has
                    // loaded the SCRAM credentials from the metadata log, so a
                    // refused login is final only when it lasts.
                    refused = e.getCause() instanceof AuthenticationException;
                    last = String.valueOf(e.getCause().getMessage());
                } catch (java.util.concurrent.TimeoutException e) {
                    refused = false;
                    last = "timed out waiting for an answer";
                }
                Thread.sleep(250);
            }
        }
        System.err.println((refused ? "login refused: " : "not ready: ") + last);
        System.exit(refused ? 2 : 1);
    }
}
EOF
}

# KRaft storage is formatted once. The admin's SCRAM credential and the
# controller's address are written into the metadata log at that moment, so a
# later change of either needs a fresh data directory (`reset`).
check_format_stamp() {
    [[ -f $DATA_DIR/meta.properties && -f $FORMAT_STAMP ]] || return 0
    if [[ $(<"$FORMAT_STAMP") != "$(format_stamp)" ]]; then
        die "the data in $DATA_DIR was formatted with another controller port, admin" \
            "user or admin password; run 'scripts/kafka.sh reset' to start afresh"
    fi
}

format_storage() {
    [[ -f $DATA_DIR/meta.properties ]] && return 0

    log "formatting KRaft storage in $DATA_DIR"
    local cluster_id
    cluster_id=$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/format.log")
    java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPERTIES" \
        --standalone \
        --add-scram "SCRAM-SHA-512=[name=$ADMIN_USER,password=$ADMIN_PASSWORD]" \
        >>"$LOG_DIR/format.log" 2>&1 || {
        log "formatting failed; see $LOG_DIR/format.log"
        sed "s/$(escape_sed "$ADMIN_PASSWORD")/***/g" "$LOG_DIR/format.log" | tail -n 20 >&2
        exit 1
    }
    format_stamp >"$FORMAT_STAMP"
}

# What the metadata log was formatted with; the password only as a digest.
format_stamp() {
    local digest
    digest=$(printf '%s' "$ADMIN_PASSWORD" | sha256sum)
    printf '%s %s %s\n' "$CONTROLLER_PORT" "$ADMIN_USER" "${digest:0:16}"
}

# ---------------------------------------------------------------- start / stop

report_running() {
    local pid=$1 how=$2
    log "$how: pid $pid on $BOOTSTRAP (SASL_PLAINTEXT, SCRAM-SHA-512)," \
        "resident memory $(resident_memory "$pid")"
}

# The probe runs in the background so that a broker dying during start-up is
# reported at once instead of after the whole timeout. Returns non-zero, with
# the reason logged, when the broker is not usable.
wait_until_ready() {
    local pid=$1 probe status=0
    "${PROBE_CMD[@]}" "$START_TIMEOUT" >/dev/null 2>"$LOG_DIR/probe.err" &
    probe=$!
    while kill -0 "$probe" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            kill "$probe" 2>/dev/null || true
            wait "$probe" 2>/dev/null || true
            log "the broker exited during start-up"
            log_tail
            rm -f "$PID_FILE"
            return 1
        fi
        sleep 0.2
    done
    wait "$probe" || status=$?

    case $status in
    0) return 0 ;;
    2)
        log "the broker refused the admin login ($(<"$LOG_DIR/probe.err"));" \
            "if AION_KAFKA_ADMIN_PASSWORD changed since the first start, run" \
            "'scripts/kafka.sh reset'"
        ;;
    *)
        log "the broker did not answer an authenticated metadata request within" \
            "${START_TIMEOUT}s ($(<"$LOG_DIR/probe.err"))"
        log_tail
        ;;
    esac
    return 1
}

cmd_start() {
    check_settings
    command -v java >/dev/null || die "java not found: install a Java 17 runtime"

    local pid
    if pid=$(broker_pid); then
        # A broker from an earlier run: reuse it when it answers, or give a
        # still-starting one the same time a fresh start would get.
        write_probe_files
        if ! broker_answers; then
            log "broker pid $pid is running but not answering yet; waiting"
            wait_until_ready "$pid" || exit 1
        fi
        report_running "$pid" "already running, reused"
        return 0
    fi

    if [[ -f $PID_FILE ]]; then
        log "removing stale pid file $PID_FILE"
        rm -f "$PID_FILE"
    fi

    if port_in_use "$PORT"; then
        die "port $PORT is in use by another process; set AION_KAFKA_PORT to use another"
    fi
    if port_in_use "$CONTROLLER_PORT"; then
        die "port $CONTROLLER_PORT is in use by another process;" \
            "set AION_KAFKA_CONTROLLER_PORT to use another"
    fi

    is_fetched || cmd_fetch

    check_format_stamp
    write_configs
    format_storage

    local started_ns
    started_ns=$(date +%s%N)
    # setsid detaches the JVM from this shell's session and terminal, so the
    # broker outlives the script and a Ctrl-C in the caller's shell.
    # This shell runs without job control, so the background child is no
    # process group leader and setsid and nohup both exec in place: $! is
    # the JVM's own pid.
    setsid nohup java "${JVM_ARGS[@]}" kafka.Kafka "$SERVER_PROPERTIES" \
        >"$LOG_DIR/kafka.out" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"

    log "started broker pid $pid; waiting for an authenticated metadata request" \
        "(timeout ${START_TIMEOUT}s)"
    # A broker this run started and cannot use is stopped again, so the next
    # `start` begins from a clean slate instead of reusing it.
    if ! wait_until_ready "$pid"; then
        cmd_stop
        exit 1
    fi

    local elapsed_ms=$((($(date +%s%N) - started_ns) / 1000000))
    log "broker ready in $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))s"
    report_running "$pid" "running"
    log "logs: $LOG_DIR; client settings: scripts/kafka.sh env"
}

# The probe's files are regenerated for a running broker, but never its
# server.properties: that would rewrite its configuration underneath it.
write_probe_files() {
    mkdir -p "$CONFIG_DIR"
    (
        umask 077
        write_client_properties
    )
    write_probe
}

cmd_stop() {
    local pid
    if ! pid=$(broker_pid); then
        rm -f "$PID_FILE"
        return 0
    fi

    log "stopping broker pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done

    if kill -0 "$pid" 2>/dev/null; then
        log "broker did not exit within ${STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do
            sleep 0.1
        done
    fi
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    local pid
    if ! pid=$(broker_pid); then
        echo "stopped"
        return 3
    fi
    if broker_answers; then
        echo "running: pid $pid, $BOOTSTRAP, resident memory $(resident_memory "$pid")"
        return 0
    fi
    echo "running but not answering: pid $pid (see $LOG_DIR/server.log)"
    return 1
}

cmd_env() {
    check_settings
    cat <<EOF
export AION_KAFKA_BOOTSTRAP=$BOOTSTRAP
export AION_KAFKA_SASL_MECHANISM=SCRAM-SHA-512
export AION_KAFKA_USERNAME=$ADMIN_USER
export AION_KAFKA_PASSWORD=$ADMIN_PASSWORD
EOF
}

cmd_reset() {
    cmd_stop
    [[ -d $KAFKA_DIR ]] || return 0
    log "deleting $KAFKA_DIR"
    rm -rf "$KAFKA_DIR"
}

main() {
    case ${1:-} in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    reset) cmd_reset ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage
        exit 2
        ;;
    esac
}

main "$@"
