# shellcheck shell=bash
# Shared fixture of the end-to-end benchmarks: a private PostgreSQL cluster, PgBouncer and jbouncer started
# from one generated pgbouncer.ini, and the bookkeeping to stop every process again by PID.
# Sourced by every script here; not meant to be run on its own.

set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)

PG_PORT=${PG_PORT:-25432}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-26432}
JBOUNCER_PORT=${JBOUNCER_PORT:-27432}
# A second jbouncer, from BASELINE_JAR (for example the jar of the commit before a tuning step), measured in the
# same interleaved run as target "baseline": before and after of a change from one run.
BASELINE_PORT=${BASELINE_PORT:-28432}
BASELINE_JAR=${BASELINE_JAR:-}
# Extra [pgbouncer] lines for the "jbouncer" target only (not baseline, not PgBouncer): with BASELINE_JAR set to the
# same jar, the before/after table then measures one setting, e.g. JBOUNCER_INI_EXTRA="metrics_port = 29127".
JBOUNCER_INI_EXTRA=${JBOUNCER_INI_EXTRA:-}
# (ports below the ephemeral range 32768-60999, so that no outgoing connection can hold them)
POOL_SIZE=${POOL_SIZE:-20}
# transaction is what the comparison is about; session is only a fallback for smoke runs.
POOL_MODE=${POOL_MODE:-transaction}
MAX_CLIENT_CONN=${MAX_CLIENT_CONN:-2000}
BENCH_USER=bench
BENCH_PASSWORD=bench
BENCH_DB=bench
JBOUNCER_JAR=${JBOUNCER_JAR:-$REPO_DIR/proxy-core/target/jbouncer.jar}
# JVM options of the measured jbouncer; empty means bin/jbouncer's defaults (what users run).
JBOUNCER_JAVA_OPTS=${JBOUNCER_JAVA_OPTS:-}
# Run unprivileged programs (PostgreSQL, PgBouncer) as this user when we are root: both refuse to run as root.
RUN_AS=${RUN_AS:-postgres}
# TLS: "" (none), client (pgbench -> poolers), server (poolers and direct pgbench -> PostgreSQL, which then accepts
# TLS only) or both. Both poolers get the same throw-away certificates and sslmode = require on the TLS sides.
TLS=${TLS:-}

PG_PID=""
PGBOUNCER_PID=""
JBOUNCER_PID=""
BASELINE_PID=""

log() {
    echo "[$(date +%H:%M:%S)] $*" >&2
}

die() {
    echo "error: $*" >&2
    exit 1
}

# The options every script takes: --out FILE (sets OUT; default results/<script name>-<UTC time>.md) and -h/--help
# (prints the script's header comment). Any other argument goes to the script's own script_option function, where
# it defines one (--smoke, for example), which returns non-zero for an argument it does not know.
parse_args() {
    OUT=""
    while [[ $# -gt 0 ]]; do
        case $1 in
            --out) OUT=$2; shift ;;
            -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *)
                if ! declare -F script_option >/dev/null || ! script_option "$1"; then
                    die "unknown argument: $1 (try --help)"
                fi
                ;;
        esac
        shift
    done
    OUT=${OUT:-$E2E_DIR/results/$(basename "$0" .sh)-$(date -u +%Y%m%dT%H%M%SZ).md}
}

# Runs a command as $RUN_AS when root, as ourselves otherwise. runuser's PAM session resets the soft open-file
# limit to 1024, so the command gets our current soft limit back explicitly.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$RUN_AS" -- sh -c 'ulimit -n "$0" && exec "$@"' "$(ulimit -n)" "$@"
    else
        "$@"
    fi
}

# Finds the PostgreSQL server binaries: $PG_BIN, then pg_config's bindir, then the newest Debian install.
find_pg_bin() {
    if [[ -n ${PG_BIN:-} ]]; then
        return
    fi
    if command -v pg_config >/dev/null && [[ -x $(pg_config --bindir)/postgres ]]; then
        PG_BIN=$(pg_config --bindir)
        return
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $dir/postgres ]]; then
            PG_BIN=$dir
            return
        fi
    done
    PG_BIN=""
}

# Checks every prerequisite and prints how to install what is missing; installs nothing.
check_prerequisites() {
    local missing=0
    find_pg_bin
    if [[ -z $PG_BIN || ! -x $PG_BIN/initdb || ! -x $PG_BIN/pg_ctl ]]; then
        echo "missing: PostgreSQL server binaries (initdb, pg_ctl, postgres); hint: apt-get install -y postgresql" >&2
        missing=1
    fi
    if ! command -v pgbench >/dev/null; then
        echo "missing: pgbench; hint: apt-get install -y postgresql-contrib (or postgresql-client)" >&2
        missing=1
    fi
    if ! command -v pgbouncer >/dev/null; then
        echo "missing: pgbouncer; hint: apt-get install -y pgbouncer" >&2
        missing=1
    fi
    if ! (. "$REPO_DIR/bin/jbouncer-jdk" && select_java) >/dev/null 2>&1; then
        echo "missing: java (17+); hint: apt-get install -y openjdk-17-jre-headless" >&2
        missing=1
    fi
    if [[ ! -f $JBOUNCER_JAR ]]; then
        echo "missing: $JBOUNCER_JAR; hint: mvn -DskipTests install" >&2
        missing=1
    fi
    if [[ -n $TLS ]] && ! command -v openssl >/dev/null; then
        echo "missing: openssl (for the TLS certificates); hint: apt-get install -y openssl" >&2
        missing=1
    fi
    if [[ $(id -u) -eq 0 ]] && ! id "$RUN_AS" >/dev/null 2>&1; then
        echo "missing: user $RUN_AS to run PostgreSQL and PgBouncer (they refuse root); set RUN_AS" >&2
        missing=1
    fi
    [[ $missing -eq 0 ]] || exit 2
}

# What every run does first: checks the prerequisites, raises the open-file limit to $1, makes the work directory
# and sets the traps that stop every process again, whatever ends the run.
begin_run() {
    check_prerequisites
    raise_fd_limit "$1"
    make_workdir
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

# Raises the open-file limit as far as the hard limit allows; 1000 clients need well over 2000 descriptors.
raise_fd_limit() {
    local want=$1
    local hard
    hard=$(ulimit -Hn)
    if [[ $hard != unlimited && $hard -lt $want ]]; then
        log "open-file hard limit is $hard (< $want): using $hard"
        want=$hard
    fi
    ulimit -n "$want"
}

# Creates the work directory, owned by $RUN_AS so that PostgreSQL and PgBouncer can write into it.
make_workdir() {
    WORKDIR=${WORKDIR:-$(mktemp -d /tmp/jbouncer-bench.XXXXXX)}
    mkdir -p "$WORKDIR"
    chmod 755 "$WORKDIR"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$RUN_AS" "$WORKDIR"
    fi
}

tls_on_client_side() {
    [[ $TLS == client || $TLS == both ]]
}

tls_on_server_side() {
    [[ $TLS == server || $TLS == both ]]
}

# The libpq sslmode pgbench uses towards target $1: require where that side is TLS, else libpq's default prefer
# (an SSLRequest answered N, as in the runs before TLS existed).
sslmode_of() {
    if { [[ $1 == direct ]] && tls_on_server_side; } || { [[ $1 != direct ]] && tls_on_client_side; }; then
        echo require
    else
        echo prefer
    fi
}

# A throw-away CA and one certificate for 127.0.0.1 (RSA 2048, as operators commonly have), in $WORKDIR/tls, owned
# by $RUN_AS so that PostgreSQL and PgBouncer can read the key; used by PostgreSQL and by both poolers.
make_tls_files() {
    local dir=$WORKDIR/tls
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 \
        -subj "/CN=bench CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=127.0.0.1" \
        2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -out "$dir/server.crt" -days 2 -extfile "$dir/server.ext" 2>/dev/null
    chmod 600 "$dir/server.key"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R "$RUN_AS" "$dir"
    fi
}

# Starts a throw-away cluster: md5 on 127.0.0.1 for everyone (direct and poolers authenticate alike), fsync off;
# with server-side TLS, ssl = on and hostssl only.
start_postgres() {
    local data=$WORKDIR/pgdata
    local max_connections=$1
    as_owner "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-sync >"$WORKDIR/initdb.log"
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORKDIR'
max_connections = $max_connections
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = md5
log_min_messages = warning
CONF
    local host=host
    if tls_on_server_side; then
        host=hostssl
        cat >>"$data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$WORKDIR/tls/server.crt'
ssl_key_file = '$WORKDIR/tls/server.key'
CONF
    fi
    cat >"$data/pg_hba.conf" <<HBA
local all all trust
$host all all 127.0.0.1/32 md5
HBA
    as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$WORKDIR/postgres.log" -w -t 60 start >/dev/null
    PG_PID=$(head -1 "$data/postmaster.pid")
    log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') pid $PG_PID on port $PG_PORT"
    as_owner "$PG_BIN/psql" -q -h "$WORKDIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE $BENCH_USER LOGIN PASSWORD '$BENCH_PASSWORD';
CREATE DATABASE $BENCH_DB OWNER $BENCH_USER;
SQL
}

# pgbench -i at scale $1 in the bench database, directly on the cluster.
init_pgbench() {
    PGPASSWORD=$BENCH_PASSWORD PGSSLMODE=$(sslmode_of direct) \
        pgbench -h 127.0.0.1 -p "$PG_PORT" -U "$BENCH_USER" -i -q -s "$1" "$BENCH_DB" \
        >"$WORKDIR/pgbench-init.log" 2>&1 || die "pgbench -i failed: $(tail -3 "$WORKDIR/pgbench-init.log")"
}

stop_postgres() {
    if [[ -n $PG_PID ]] && kill -0 "$PG_PID" 2>/dev/null; then
        as_owner "$PG_BIN/pg_ctl" -D "$WORKDIR/pgdata" -m immediate -w stop >/dev/null || kill "$PG_PID"
    fi
    PG_PID=""
}

# The md5 secret of PgBouncer's auth_file: "md5" + md5(password || user).
md5_secret() {
    printf 'md5%s' "$(printf '%s%s' "$BENCH_PASSWORD" "$BENCH_USER" | md5sum | cut -d' ' -f1)"
}

# Writes one pooler's config; both poolers get the same text except their port and files.
write_pooler_config() {
    local name=$1 port=$2
    printf '"%s" "%s"\n' "$BENCH_USER" "$(md5_secret)" >"$WORKDIR/userlist.txt"
    cat >"$WORKDIR/$name.ini" <<INI
[databases]
$BENCH_DB = host=127.0.0.1 port=$PG_PORT dbname=$BENCH_DB

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = md5
auth_file = $WORKDIR/userlist.txt
pool_mode = $POOL_MODE
default_pool_size = $POOL_SIZE
max_client_conn = $MAX_CLIENT_CONN
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
logfile = $WORKDIR/$name.log
pidfile = $WORKDIR/$name.pid
INI
    if tls_on_client_side; then
        printf 'client_tls_sslmode = require\nclient_tls_key_file = %s\nclient_tls_cert_file = %s\n' \
            "$WORKDIR/tls/server.key" "$WORKDIR/tls/server.crt" >>"$WORKDIR/$name.ini"
    fi
    if tls_on_server_side; then
        printf 'server_tls_sslmode = require\n' >>"$WORKDIR/$name.ini"
    fi
    chmod 644 "$WORKDIR/$name.ini" "$WORKDIR/userlist.txt"
}

# Waits until something accepts TCP connections on 127.0.0.1:$1, or fails after 30 s.
wait_for_port() {
    local port=$1 i
    for i in $(seq 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    die "nothing listens on port $port after 30 s"
}

start_pgbouncer() {
    write_pooler_config pgbouncer "$PGBOUNCER_PORT"
    rm -f "$WORKDIR/pgbouncer.pid"
    # -d: PgBouncer daemonizes and writes its pidfile, so we learn its own PID rather than runuser's.
    as_owner pgbouncer -d -q "$WORKDIR/pgbouncer.ini"
    wait_for_port "$PGBOUNCER_PORT"
    PGBOUNCER_PID=$(cat "$WORKDIR/pgbouncer.pid")
    log "PgBouncer $(pgbouncer --version | head -1 | awk '{print $2}') pid $PGBOUNCER_PID on port $PGBOUNCER_PORT"
}

start_jbouncer() {
    JBOUNCER_PID=$(launch_jbouncer jbouncer "$JBOUNCER_PORT" "$JBOUNCER_JAR")
    log "jbouncer pid $JBOUNCER_PID on port $JBOUNCER_PORT (java opts: ${JBOUNCER_JAVA_OPTS:-bin/jbouncer defaults})"
}

start_baseline() {
    BASELINE_PID=$(launch_jbouncer baseline "$BASELINE_PORT" "$BASELINE_JAR")
    log "baseline jbouncer ($BASELINE_JAR) pid $BASELINE_PID on port $BASELINE_PORT"
}

# pgbench -S with $CLIENTS clients in $MODE (simple when unset) against port $1 for $2 seconds; further arguments
# are more pgbench options (-C). Its report goes to stdout.
select_load() {
    local port=$1 seconds=$2
    shift 2
    PGPASSWORD=$BENCH_PASSWORD pgbench -h 127.0.0.1 -p "$port" -U "$BENCH_USER" -n -S -M "${MODE:-simple}" "$@" \
        -c "$CLIENTS" -j "$(( CLIENTS < $(nproc) ? CLIENTS : $(nproc) ))" -T "$seconds" "$BENCH_DB"
}

# Warms the pooler on port $1 up for $WARMUP seconds of select_load (further arguments as there), then 3 seconds
# with new clients, so that clients have left and arrived once: the JIT recompiles the relay after the first
# clients leave, which would otherwise land in the first measured run.
warm_up() {
    local port=$1
    shift
    log "warm-up on port $port: ${WARMUP}s, then 3s with new clients"
    select_load "$port" "$WARMUP" "$@" >/dev/null 2>&1 || log "warm-up on port $port failed"
    select_load "$port" 3 "$@" >/dev/null 2>&1 || log "warm-up on port $port failed"
}

# Starts the poolers named in $TARGETS (pgbouncer, jbouncer, baseline; "direct" needs none).
start_targets() {
    if [[ " $TARGETS " == *" pgbouncer "* ]]; then start_pgbouncer; fi
    if [[ " $TARGETS " == *" jbouncer "* ]]; then start_jbouncer; fi
    if [[ " $TARGETS " == *" baseline "* ]]; then start_baseline; fi
}

# Starts a jbouncer named $1 on port $2 from a private copy of jar $3 (the tree's jar may be rebuilt during a long
# run) and waits for its port. Prints the PID.
launch_jbouncer() {
    local name=$1 port=$2 jar=$3
    write_pooler_config "$name" "$port"
    if [[ $name == jbouncer && -n $JBOUNCER_INI_EXTRA ]]; then
        printf '%s\n' "$JBOUNCER_INI_EXTRA" >>"$WORKDIR/$name.ini" # the ini ends in [pgbouncer]
    fi
    cp -p "$jar" "$WORKDIR/$name.jar"
    spawn_jbouncer "$name" "$name.out"
    wait_for_port "$port"
    echo "$SPAWNED_PID"
}

# Starts jbouncer $1 ($WORKDIR/$1.jar with $WORKDIR/$1.ini) in the background, its output in $WORKDIR/$2, through
# bin/jbouncer, which execs the JVM (same PID) with its default options unless JBOUNCER_JAVA_OPTS is set. The
# remaining arguments, if any, are a command to start it under (taskset -c 0-1, for example). Sets SPAWNED_PID.
spawn_jbouncer() {
    local name=$1 out=$2
    shift 2
    JBOUNCER_JAR="$WORKDIR/$name.jar" JBOUNCER_JAVA_OPTS="$JBOUNCER_JAVA_OPTS" \
        "$@" "$REPO_DIR/bin/jbouncer" "$WORKDIR/$name.ini" >"$WORKDIR/$out" 2>&1 &
    SPAWNED_PID=$!
}

# Stops one process by PID and waits up to 10 s for it to go, then kills it.
stop_pid() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

stop_all() {
    stop_pid "$JBOUNCER_PID"
    JBOUNCER_PID=""
    stop_pid "$BASELINE_PID"
    BASELINE_PID=""
    stop_pid "$PGBOUNCER_PID"
    PGBOUNCER_PID=""
    stop_postgres
}

# The EXIT trap: stops everything, then drops the cluster's data directory (hundreds of MB at scale 10) unless
# KEEP_PGDATA=1 (the jar copy goes too); logs, configs and per-run pgbench output stay in $WORKDIR for inspection.
cleanup() {
    stop_all
    if [[ ${KEEP_PGDATA:-0} != 1 && -n ${WORKDIR:-} ]]; then
        rm -rf "$WORKDIR/pgdata" "$WORKDIR"/*.jar
    fi
}

# Saves the markdown report on stdin to $OUT and shows it.
save_report() {
    mkdir -p "$(dirname "$OUT")"
    cat >"$OUT"
    cat "$OUT"
    log "report written to $OUT"
}

# The report's last section: the raw results file $2 under the caption $1, as a code block.
raw_results() {
    echo "$1"
    echo
    echo '```'
    cat "$2"
    echo '```'
}

# CPU time of a process and all its threads, in clock ticks: utime + stime from /proc/PID/stat.
cpu_ticks() {
    # the command name (field 2) may contain spaces: cut everything up to the closing parenthesis first
    sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

# The median of the numbers on stdin, one a line; "-" when there are none.
median() {
    sort -g | awk '{v[NR] = $1} END {print (NR == 0 ? "-" : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

# $1 / $2 with two decimals; "-" when $2 is not a positive number.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {print (b + 0 > 0 ? sprintf("%.2f", a / b) : "-")}'
}

# Resident set size of a process in kB, from /proc/PID/status.
rss_kb() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

port_of() {
    case $1 in
        direct) echo "$PG_PORT" ;;
        pgbouncer) echo "$PGBOUNCER_PORT" ;;
        baseline) echo "$BASELINE_PORT" ;;
        jbouncer) echo "$JBOUNCER_PORT" ;;
        *) die "unknown target: $1" ;;
    esac
}

pid_of() {
    case $1 in
        direct) echo "" ;;
        pgbouncer) echo "$PGBOUNCER_PID" ;;
        baseline) echo "$BASELINE_PID" ;;
        jbouncer) echo "$JBOUNCER_PID" ;;
        *) die "unknown target: $1" ;;
    esac
}

# The JDK bin/jbouncer runs (JAVA_HOME, else the newest 17+ it finds) and the JDK-specific options it adds.
jbouncer_java_version() {
    (
        . "$REPO_DIR/bin/jbouncer-jdk"
        select_java >/dev/null 2>&1 || { echo "none found"; exit 0; }
        printf '%s' "$("$java" -version 2>&1 | head -1)"
        if [[ $java_major -ge 25 && -z $JBOUNCER_JAVA_OPTS ]]; then
            printf ' (+ compact object headers; AOT cache: %s)' "${JBOUNCER_AOT_CACHE:-beside the jar if made}"
        fi
    )
}

machine_facts() {
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "- memory: $(free -m | awk '/^Mem:/ {print $2}') MB"
    echo "- kernel: $(uname -r)"
    echo "- Java (jbouncer's, as bin/jbouncer picks it): $(jbouncer_java_version)"
    echo "- PostgreSQL: $("$PG_BIN/postgres" --version)"
    echo "- pgbench: $(pgbench --version)"
    echo "- PgBouncer: $(pgbouncer --version | head -1)"
    echo "- TLS: ${TLS:-none}${TLS:+ (sslmode=require on the TLS sides, RSA 2048 certificate, TLS 1.3)}"
    echo "- jbouncer: $JBOUNCER_JAR $(date -u -r "$WORKDIR/jbouncer.jar" '+built %Y-%m-%d %H:%M UTC') (copied at start)"
    if [[ -n $BASELINE_JAR ]]; then
        echo "- baseline jbouncer: $BASELINE_JAR $(date -u -r "$WORKDIR/baseline.jar" '+built %Y-%m-%d %H:%M UTC')"
    fi
    if [[ -n $JBOUNCER_INI_EXTRA ]]; then
        echo "- jbouncer (not baseline) also has: $(printf '%s' "$JBOUNCER_INI_EXTRA" | tr '\n' ';')"
    fi
}
