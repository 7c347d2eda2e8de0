#!/usr/bin/env bash
# Cost per transaction of jbouncer under pgbench: CPU time (user + sys of the whole process, /proc/PID/stat),
# allocated bytes (the JVM's own count between two forced collections, from the metrics endpoint) and, with
# WAKEUPS=1, event-loop wake-ups (eventfd writes, counted with strace in a second, slower run). These numbers do
# not depend much on how loaded the machine is, unlike TPS and latency, so they can compare two builds on a busy
# machine; the interleaved TPS comparison is compare.sh's job.
#
#   JARS="/tmp/before.jar proxy-core/target/jbouncer.jar" benchmarks/e2e/cost.sh
#
# Each case is CLIENTS:POOL_SIZE:LOOPS[:C] (LOOPS = jbouncer's worker event loops, set with -XX:ActiveProcessorCount,
# which may exceed the machine's cores to show the shape of a many-core run; a trailing :C runs pgbench -C, a new
# client connection and login per transaction, e.g. CASES=10:20:2:C). Every jar runs every case, one after
# the other, each on a freshly started jbouncer: a warm-up run, then TX transactions per client measured.
#
# Environment: JARS (default: the tree's jar), CASES (default "10:20:2 100:20:2 32:64:16 100:20:16"), TX (default
# 1000), WARMUP_TX (default 500), WAKEUPS (0), SCALE (pgbench scale, default 1), plus lib.sh's ports.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JARS=${JARS:-$JBOUNCER_JAR}
CASES=${CASES:-10:20:2 100:20:2 32:64:16 100:20:16}
TX=${TX:-1000}
WARMUP_TX=${WARMUP_TX:-500}
WAKEUPS=${WAKEUPS:-0}
SCALE=${SCALE:-1}
METRICS_PORT=${METRICS_PORT:-29127}
JVM_DEFAULTS="-XX:+UseSerialGC -Xms16m -Xmn8m -XX:+StartAttachListener"

# Bytes the JVM has allocated since start, right after a forced collection (so nothing sits uncounted in eden).
allocated_bytes() {
    jcmd "$1" GC.run >/dev/null
    curl -s "http://127.0.0.1:$METRICS_PORT/metrics" |
        awk '/^jvm_gc_memory_allocated_bytes_total/ {printf "%.0f\n", $2}'
}

# pgbench_run CLIENTS TX [-C]
pgbench_run() {
    local clients=$1 tx=$2 connect=${3:-}
    PGPASSWORD=$BENCH_PASSWORD pgbench -h 127.0.0.1 -p "$JBOUNCER_PORT" -U "$BENCH_USER" -n -S $connect \
        -c "$clients" -j "$(( clients < $(nproc) ? clients : $(nproc) ))" -t "$tx" "$BENCH_DB" \
        >"$WORKDIR/pgbench.out" 2>&1 || { cat "$WORKDIR/pgbench.out" >&2; die "pgbench failed"; }
}

# eventfd writes (8 bytes of 1) of jbouncer's threads while pgbench runs tx transactions per client.
count_wakeups() {
    local clients=$1 tx=$2 connect=$3 trace=$WORKDIR/strace.out
    strace -f -qq -e trace=write -e signal=none -o "$trace" -p "$JBOUNCER_PID" &
    local strace_pid=$!
    sleep 1 # strace attaches to every thread
    pgbench_run "$clients" "$tx" "$connect"
    kill "$strace_pid"
    wait "$strace_pid" 2>/dev/null || true
    grep -c 'write([0-9]*, "\\1\\0\\0\\0\\0\\0\\0\\0", 8)' "$trace" || true
}

measure() {
    local jar=$1 clients=$2 pool=$3 loops=$4 connect=${5:+-C}
    POOL_SIZE=$pool JBOUNCER_JAVA_OPTS="$JVM_DEFAULTS -XX:ActiveProcessorCount=$loops" \
        JBOUNCER_INI_EXTRA="metrics_port = $METRICS_PORT" JBOUNCER_JAR=$jar start_jbouncer
    pgbench_run "$clients" "$WARMUP_TX" "$connect"
    local ticks0 bytes0 ticks1 bytes1 tps
    bytes0=$(allocated_bytes "$JBOUNCER_PID")
    ticks0=$(cpu_ticks "$JBOUNCER_PID")
    pgbench_run "$clients" "$TX" "$connect"
    ticks1=$(cpu_ticks "$JBOUNCER_PID")
    bytes1=$(allocated_bytes "$JBOUNCER_PID")
    tps=$(awk '/^tps/ {printf "%.0f", $3; exit}' "$WORKDIR/pgbench.out")
    local txs=$(( clients * TX )) hz wakeups=-
    hz=$(getconf CLK_TCK)
    if [[ $WAKEUPS == 1 ]]; then
        wakeups=$(count_wakeups "$clients" "$TX" "$connect")
        wakeups=$(awk -v w="$wakeups" -v t="$txs" 'BEGIN {printf "%.3f", w / t}')
    fi
    printf '| %s | %s%s | %s | %s | %.1f | %.0f | %s | %s |\n' "$(basename "$jar")" "$clients" "${connect:+ -C}" "$pool" "$loops" \
        "$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$hz" -v t="$txs" 'BEGIN {print (b - a) * 1e6 / hz / t}')" \
        "$(awk -v a="$bytes0" -v b="$bytes1" -v t="$txs" 'BEGIN {print (b - a) / t}')" "$wakeups" "$tps"
    stop_pid "$JBOUNCER_PID"
    JBOUNCER_PID=""
}

begin_run 4096
start_postgres 400
init_pgbench "$SCALE"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "- Java: $(java -version 2>&1 | head -1); PostgreSQL: $("$PG_BIN/postgres" --version)"
echo "- pgbench -S, $TX transactions per client after $WARMUP_TX, JVM: $JVM_DEFAULTS -XX:ActiveProcessorCount=LOOPS"
echo
echo "| jar | clients | pool_size | loops | CPU µs/tx | bytes/tx | wake-ups/tx | TPS (loaded machine) |"
echo "|---|---|---|---|---|---|---|---|"
for spec in $CASES; do
    IFS=: read -r clients pool loops connect <<<"$spec"
    for jar in $JARS; do
        measure "$jar" "$clients" "$pool" "$loops" "$connect"
    done
done
