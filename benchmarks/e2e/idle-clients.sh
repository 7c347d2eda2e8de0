#!/usr/bin/env bash
# Memory and scale: opens N idle, md5-authenticated client connections to PgBouncer and to jbouncer (same
# generated config, transaction mode) and reports each pooler's RSS and the bytes per additional idle client.
#
# Usage: benchmarks/e2e/idle-clients.sh [--50k] [--out FILE]
#   --50k       adds a 50,000-client step (needs an open-file hard limit above 50,100 for both processes)
#   --out FILE  where the markdown report goes (default: benchmarks/e2e/results/idle-clients-<UTC time>.md)
# Environment: STEPS ["1000,10000"] cumulative client counts; WARMUP_CLIENTS [2000] clients that log in and leave
#   before the measured steps, so that the JIT code and class metadata of the login path (about 5 MB, one-time:
#   native memory tracking, docs/benchmarks.md) do not count per client (0 measures the cold pooler, as before
#   2026-12-07 23:45); BENCH_JAR [benchmarks/target/benchmarks.jar];
#   plus the ports, JBOUNCER_JAR, JBOUNCER_JAVA_OPTS, PG_BIN and WORKDIR of compare.sh.
# The load tool is io.jbouncer.bench.IdleClients (benchmarks module).

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STEPS=${STEPS:-1000,10000}
WARMUP_CLIENTS=${WARMUP_CLIENTS:-2000}
BENCH_JAR=${BENCH_JAR:-$REPO_DIR/benchmarks/target/benchmarks.jar}

script_option() {
    case $1 in
        --50k) STEPS="$STEPS,50000" ;;
        *) return 1 ;;
    esac
}
parse_args "$@"

# Prints "clients<TAB>rss_kB" lines for one pooler, from 0 clients to the last step (after WARMUP_CLIENTS logins
# that leave again).
measure() {
    local port=$1 pid=$2
    if ((WARMUP_CLIENTS > 0)); then
        java -cp "$BENCH_JAR" io.jbouncer.bench.IdleClients "$port" "$BENCH_USER" "$BENCH_PASSWORD" "$BENCH_DB" \
            "$pid" "$WARMUP_CLIENTS" >/dev/null
        sleep 3 # the pooler finishes closing them
    fi
    java -cp "$BENCH_JAR" io.jbouncer.bench.IdleClients "$port" "$BENCH_USER" "$BENCH_PASSWORD" "$BENCH_DB" \
        "$pid" "$STEPS"
}

# Markdown rows "| pooler | clients | RSS MB | bytes per idle client since 0 |" from measure's output.
rows() {
    awk -F'\t' -v pooler="$1" 'NR == 1 {base = $2}
        {per = $1 > 0 ? sprintf("%.0f", ($2 - base) * 1024 / $1) : "-"
         printf "| %s | %d | %.1f | %s |\n", pooler, $1, $2 / 1024, per}'
}

main() {
    [[ -f $BENCH_JAR ]] || die "missing $BENCH_JAR; hint: mvn -DskipTests install"
    local last=${STEPS##*,}
    MAX_CLIENT_CONN=$((last + 100))
    begin_run $((last + 200))
    if (($(ulimit -n) < last + 100)); then
        die "open-file limit $(ulimit -n) is too low for $last clients (raise the hard limit)"
    fi
    start_postgres 100
    start_pgbouncer
    start_jbouncer
    log "PgBouncer: opening idle clients in steps $STEPS"
    local pgbouncer_rows jbouncer_rows
    pgbouncer_rows=$(measure "$PGBOUNCER_PORT" "$PGBOUNCER_PID" | rows PgBouncer)
    log "jbouncer: opening idle clients in steps $STEPS"
    jbouncer_rows=$(measure "$JBOUNCER_PORT" "$JBOUNCER_PID" | rows jbouncer)
    stop_all
    {
        echo "# Idle clients: RSS of PgBouncer and jbouncer"
        echo
        echo "Command: \`STEPS=$STEPS WARMUP_CLIENTS=$WARMUP_CLIENTS JBOUNCER_JAVA_OPTS=\"$JBOUNCER_JAVA_OPTS\" benchmarks/e2e/idle-clients.sh\`"
        echo
        machine_facts
        echo
        echo "Clients log in with md5 over TCP and stay idle; RSS is VmRSS 3 s after the last login of a step;" \
            "before the steps, $WARMUP_CLIENTS clients logged in and left."
        echo
        echo "| pooler | idle clients | RSS MB | bytes per idle client (vs 0 clients) |"
        echo "|---|---:|---:|---:|"
        echo "$pgbouncer_rows"
        echo "$jbouncer_rows"
    } | save_report
}

main
