#!/usr/bin/env bash
# Many cores: TPS and pooler CPU of jbouncer with 1, 2, 4 ... N event loops against PgBouncer (one thread), where
# the pooler and not PostgreSQL is the bottleneck: the cheapest query there is (SELECT 1, simple protocol) in
# transaction mode with a small pool, the pooler pinned to its own cores with taskset, PostgreSQL and pgbench to
# the others. jbouncer runs one event loop per available processor, so pinning it to L cores gives it L loops.
# Each round measures PgBouncer (pinned to one core) and then every loop count, so all share the machine's state.
#
# Usage: benchmarks/e2e/scaling.sh [--smoke] [--out FILE]
#   --smoke     one round, 3-second runs: proves the harness works
# Environment (defaults in brackets):
#   LOOPS ["1 2 4 ... up to nproc"]   CLIENTS [64]   DURATION [10] seconds   REPEATS [3] rounds   WARMUP [10] seconds
#   of load before each measured run (each loop count is a fresh JVM: the JIT must warm up)
#   POOLER_CPUS_FIRST [0]: the poolers get cores FIRST..FIRST+L-1; PostgreSQL and pgbench get every other core
#   (all cores where the pooler has them all, as on 2 cores with 2 loops: the table then says "shared")
#   QUERY ["SELECT 1"] the pgbench script's one statement; POOL_SIZE [8]
#   plus the ports, JBOUNCER_JAR, JBOUNCER_JAVA_OPTS, PG_BIN, RUN_AS and WORKDIR of compare.sh (lib.sh); pgbench,
#   pgbouncer and psql come from the PATH and Java as bin/jbouncer picks it (JAVA_HOME), so a self-contained kit
#   can run it by setting PATH, LD_LIBRARY_PATH, PG_BIN and JAVA_HOME.

POOL_SIZE=${POOL_SIZE:-8} # before lib.sh, whose default is compare.sh's 20
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=${CLIENTS:-64}
DURATION=${DURATION:-10}
REPEATS=${REPEATS:-3}
WARMUP=${WARMUP:-10}
QUERY=${QUERY:-SELECT 1}
POOLER_CPUS_FIRST=${POOLER_CPUS_FIRST:-0}

script_option() {
    case $1 in
        --smoke) DURATION=3 REPEATS=1 WARMUP=1 ;;
        *) return 1 ;;
    esac
}
parse_args "$@"
NCPU=$(nproc)

default_loops() {
    local l=1 list=""
    while ((l < NCPU)); do
        list+="$l "
        l=$((l * 2))
    done
    echo "$list$NCPU"
}
LOOPS=${LOOPS:-$(default_loops)}

# The cores a pooler with $1 threads is pinned to, as a taskset list.
pooler_cpus() {
    echo "$POOLER_CPUS_FIRST-$((POOLER_CPUS_FIRST + $1 - 1))"
}

# The cores left to PostgreSQL and pgbench when the pooler has $1: the others, or all of them if none is left.
other_cpus() {
    local cpu list=""
    for ((cpu = 0; cpu < NCPU; cpu++)); do
        if ((cpu < POOLER_CPUS_FIRST || cpu >= POOLER_CPUS_FIRST + $1)); then
            list+="${list:+,}$cpu"
        fi
    done
    echo "${list:-0-$((NCPU - 1))}"
}

# Moves every process of PostgreSQL (postmaster and backends, present and future children) to cores $1.
pin_postgres() {
    local pid
    for pid in $PG_PID $(pgrep -P "$PG_PID"); do
        taskset -a -p -c "$1" "$pid" >/dev/null
    done
}

# Runs pgbench against port $1 for $2 seconds on cores $3; prints "transactions tps".
run_pgbench() {
    local port=$1 seconds=$2 cpus=$3 out
    out=$(PGPASSWORD=$BENCH_PASSWORD taskset -c "$cpus" pgbench -h 127.0.0.1 -p "$port" -U "$BENCH_USER" -n \
        -M simple -f "$WORKDIR/query.sql" -T "$seconds" -c "$CLIENTS" \
        -j "$(( CLIENTS < NCPU ? CLIENTS : NCPU ))" "$BENCH_DB" 2>"$WORKDIR/pgbench.err") \
        || log "pgbench failed on port $port: $(tail -2 "$WORKDIR/pgbench.err")"
    awk '/^number of transactions actually processed/ {split($0, a, ": "); split(a[2], b, "/"); n = b[1]}
         /^tps = / {t = $3} END {printf "%d %.0f\n", n, t}' <<<"$out"
}

# Measures one pooler (pid $2, port $3) with $4 pooler cores; appends "round target loops tps cpu_us cores" to
# $RESULTS, where cores = pooler CPU seconds / wall seconds.
measure() {
    local round=$1 target=$2 pid=$3 port=$4 loops=$5 others ticks_before ticks_after start end result
    others=$(other_cpus "$loops")
    pin_postgres "$others"
    run_pgbench "$port" "$WARMUP" "$others" >/dev/null
    ticks_before=$(cpu_ticks "$pid")
    start=$(date +%s%N)
    result=$(run_pgbench "$port" "$DURATION" "$others")
    end=$(date +%s%N)
    ticks_after=$(cpu_ticks "$pid")
    awk -v r="$round" -v t="$target" -v l="$loops" -v res="$result" -v ticks=$((ticks_after - ticks_before)) \
        -v hz="$(getconf CLK_TCK)" -v ns=$((end - start)) 'BEGIN {
            split(res, a, " "); n = a[1]; tps = a[2]; cpu = ticks / hz
            printf "%s\t%s\t%s\t%s\t%s\t%.2f\n", r, t, l, tps, (n > 0 ? sprintf("%.1f", cpu * 1e6 / n) : "-"),
                cpu * 1e9 / ns }' >>"$RESULTS"
    log "$(tail -1 "$RESULTS" | awk -F'\t' '{printf "round %s %-9s loops=%-3s tps=%-9s cpu_us/tx=%-6s cores=%s",
        $1, $2, $3, $4, $5, $6}')"
}

# Starts jbouncer pinned to $1 cores (so with $1 event loops); sets JBOUNCER_PID.
start_pinned_jbouncer() {
    write_pooler_config jbouncer "$JBOUNCER_PORT"
    spawn_jbouncer jbouncer "jbouncer-$1.out" taskset -c "$(pooler_cpus "$1")"
    JBOUNCER_PID=$SPAWNED_PID
    wait_for_port "$JBOUNCER_PORT"
}

# The median of column $3 (4 TPS, 5 CPU µs/tx, 6 cores) of the runs of target $1 with $2 loops.
median_of() {
    awk -F'\t' -v t="$1" -v l="$2" -v c="$3" '$2 == t && $3 == l {print $c}' "$RESULTS" | median
}

report() {
    local pgbouncer_tps loops tps
    pgbouncer_tps=$(median_of pgbouncer 1 4)
    printf '| PgBouncer (1 thread) | %s | %s | %s | 1.00 |\n' "$pgbouncer_tps" "$(median_of pgbouncer 1 6)" \
        "$(median_of pgbouncer 1 5)"
    for loops in $LOOPS; do
        tps=$(median_of jbouncer "$loops" 4)
        printf '| jbouncer, %s loop(s) | %s | %s | %s | %s |\n' "$loops" "$tps" "$(median_of jbouncer "$loops" 6)" \
            "$(median_of jbouncer "$loops" 5)" "$(ratio "$tps" "$pgbouncer_tps")"
    done
}

main() {
    command -v taskset >/dev/null || die "missing: taskset (util-linux)"
    begin_run 20000
    local loops
    for loops in $LOOPS; do
        ((POOLER_CPUS_FIRST + loops <= NCPU)) || die "$loops loops from core $POOLER_CPUS_FIRST: only $NCPU cores"
    done
    printf '%s\n' "$QUERY;" >"$WORKDIR/query.sql"
    cp -p "$JBOUNCER_JAR" "$WORKDIR/jbouncer.jar"
    log "work directory $WORKDIR; loops {$LOOPS} x $REPEATS rounds x ${DURATION}s, $CLIENTS clients, pool $POOL_SIZE"
    start_postgres $((CLIENTS + 2 * POOL_SIZE + 20))
    start_pgbouncer
    taskset -a -p -c "$(pooler_cpus 1)" "$PGBOUNCER_PID" >/dev/null
    RESULTS=$WORKDIR/results.tsv
    : >"$RESULTS"
    local round
    for ((round = 1; round <= REPEATS; round++)); do
        measure "$round" pgbouncer "$PGBOUNCER_PID" "$PGBOUNCER_PORT" 1
        for loops in $LOOPS; do
            start_pinned_jbouncer "$loops"
            measure "$round" jbouncer "$JBOUNCER_PID" "$JBOUNCER_PORT" "$loops"
            stop_pid "$JBOUNCER_PID"
            JBOUNCER_PID=""
        done
    done
    stop_all
    {
        echo "# jbouncer event loops against PgBouncer, pooler-bound"
        echo
        echo "Command: \`LOOPS=\"$LOOPS\" CLIENTS=$CLIENTS DURATION=$DURATION REPEATS=$REPEATS WARMUP=$WARMUP" \
            "POOL_SIZE=$POOL_SIZE QUERY=\"$QUERY\" POOLER_CPUS_FIRST=$POOLER_CPUS_FIRST" \
            "JBOUNCER_JAVA_OPTS=\"$JBOUNCER_JAVA_OPTS\" benchmarks/e2e/scaling.sh\`"
        echo
        machine_facts
        echo "- pinning: PgBouncer on core $POOLER_CPUS_FIRST, jbouncer with L loops on cores" \
            "$POOLER_CPUS_FIRST..$POOLER_CPUS_FIRST+L-1; PostgreSQL and pgbench on the other cores:" \
            "$(for l in $LOOPS; do printf 'L=%s: %s; ' "$l" "$(other_cpus "$l")"; done)" \
            "(all cores = shared with the pooler)"
        echo
        echo "Medians of $REPEATS rounds of ${DURATION}s; pgbench -M simple, script \`$QUERY;\`, $CLIENTS clients," \
            "transaction mode, pool size $POOL_SIZE. Cores = pooler CPU seconds (utime+stime) / wall seconds."
        echo
        echo "| pooler | TPS | cores used | CPU µs/tx | TPS ÷ PgBouncer |"
        echo "|---|---:|---:|---:|---:|"
        report
        echo
        raw_results "Raw runs (round, target, loops, tps, CPU µs/tx, cores):" "$RESULTS"
    } | save_report
}

main
