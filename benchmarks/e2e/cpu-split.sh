#!/usr/bin/env bash
# Where each pooler's CPU per transaction goes: user and kernel time, split by thread kind (jbouncer's event loops,
# its JIT compilers, the rest of the JVM; PgBouncer's one thread), and context switches per transaction, under
# pgbench -S. It answers "is the gap in our code, in the kernel or in the JIT?" where compare.sh gives one number.
#
# Usage: benchmarks/e2e/cpu-split.sh [--out FILE]
# Environment (defaults in brackets): TARGETS ["pgbouncer jbouncer" + baseline when BASELINE_JAR is set]
#   CLIENTS [10] pgbench clients; DURATION [15] seconds measured per run; ROUNDS [2] interleaved rounds;
#   WARMUP [10] seconds of load per target first, then a second, 3-second run so that clients have left and
#   arrived once before anything is measured (the JIT recompiles the relay after the first clients leave);
#   MODE [simple] pgbench -M; PGBENCH_EXTRA [] more pgbench options, e.g. -C (a new connection per transaction,
#   which makes login cost part of each transaction); plus the ports, POOL_SIZE, JBOUNCER_JAR, JBOUNCER_JAVA_OPTS, BASELINE_JAR,
#   JBOUNCER_INI_EXTRA (e.g. "io_transport = io_uring" with BASELINE_JAR = the same jar), PG_BIN and WORKDIR of
#   compare.sh (lib.sh).

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGETS=${TARGETS:-pgbouncer jbouncer${BASELINE_JAR:+ baseline}}
CLIENTS=${CLIENTS:-10}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-10}
MODE=${MODE:-simple}
PGBENCH_EXTRA=${PGBENCH_EXTRA:-}
parse_args "$@"

# One line per thread kind of process $1: "kind user_ticks system_ticks", from /proc/PID/task/*/stat.
thread_ticks() {
    local task
    for task in /proc/"$1"/task/*; do
        printf '%s %s\n' "$(tr ' ' _ <"$task/comm")" "$(sed 's/^.*) //' "$task/stat" | awk '{print $12, $13}')"
    done 2>/dev/null | awk '
        { kind = $1 ~ /^C[12]_Compiler/ ? "jit" : $1 ~ /^jbouncer-loop|IoEv|EventLoop|epoll|io_uring|nioEvent/ \
              ? "loops" : "other"
          if ($1 == "pgbouncer") kind = "loops"
          user[kind] += $2; sys[kind] += $3 }
        END { for (k in user) print k, user[k], sys[k] }' | sort
}

# Voluntary and involuntary context switches of every thread of process $1.
context_switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2} END {print v, n}'
}


# One measured run on target $1 in round $2; appends a tab-separated line to $RESULTS.
measured_run() {
    local target=$1 round=$2 pid port
    pid=$(pid_of "$target")
    port=$(port_of "$target")
    thread_ticks "$pid" >"$WORKDIR/ticks-before"
    context_switches "$pid" >"$WORKDIR/cs-before"
    # shellcheck disable=SC2086
    select_load "$port" "$DURATION" $PGBENCH_EXTRA >"$WORKDIR/pgbench.out" 2>&1 || log "pgbench failed on $target"
    thread_ticks "$pid" >"$WORKDIR/ticks-after"
    context_switches "$pid" >"$WORKDIR/cs-after"
    local transactions tps
    transactions=$(awk -F': *' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]}' \
        "$WORKDIR/pgbench.out")
    tps=$(awk '/^tps = / {printf "%.0f", $3; exit}' "$WORKDIR/pgbench.out")
    join -a2 -e0 -o 0,1.2,1.3,2.2,2.3 "$WORKDIR/ticks-before" "$WORKDIR/ticks-after" |
        awk -v target="$target" -v round="$round" -v n="${transactions:-0}" -v tps="${tps:-0}" \
            -v hz="$(getconf CLK_TCK)" -v cs0="$(cat "$WORKDIR/cs-before")" -v cs1="$(cat "$WORKDIR/cs-after")" '
            { u[$1] = ($4 - $2) * 1e6 / hz / n; s[$1] = ($5 - $3) * 1e6 / hz / n; tu += u[$1]; ts += s[$1] }
            END {
                split(cs0, a, " "); split(cs1, b, " ")
                printf "%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f / %.1f\t%.1f\t%.1f\t%.2f\t%.2f\n", target, round,
                    tps, tu, ts, tu + ts, u["loops"], s["loops"], u["jit"] + s["jit"], u["other"] + s["other"],
                    (b[1] - a[1]) / n, (b[2] - a[2]) / n
            }' >>"$RESULTS"
    tail -1 "$RESULTS" >&2
}

main() {
    begin_run 4096
    start_postgres $((CLIENTS + 3 * POOL_SIZE + 20))
    init_pgbench 10
    start_targets
    local target round
    for target in $TARGETS; do
        # shellcheck disable=SC2086
        warm_up "$(port_of "$target")" $PGBENCH_EXTRA
    done
    RESULTS=$WORKDIR/results.tsv
    : >"$RESULTS"
    for ((round = 1; round <= ROUNDS; round++)); do
        for target in $TARGETS; do
            measured_run "$target" "$round"
        done
    done
    stop_all
    {
        echo "# CPU per transaction by thread kind, user and kernel"
        echo
        echo "Command: \`CLIENTS=$CLIENTS DURATION=$DURATION ROUNDS=$ROUNDS WARMUP=$WARMUP MODE=$MODE" \
            "${PGBENCH_EXTRA:+PGBENCH_EXTRA=\"$PGBENCH_EXTRA\" }TARGETS=\"$TARGETS\" POOL_SIZE=$POOL_SIZE ${BASELINE_JAR:+BASELINE_JAR=$BASELINE_JAR }${JBOUNCER_INI_EXTRA:+JBOUNCER_INI_EXTRA=\"$JBOUNCER_INI_EXTRA\" }benchmarks/e2e/cpu-split.sh\`"
        echo
        machine_facts
        echo
        echo "pgbench -S -M $MODE $PGBENCH_EXTRA -c $CLIENTS for ${DURATION}s per run, the targets interleaved; times from" \
            "/proc/PID/task/*/stat, in µs of CPU per transaction. Loops: jbouncer's event loops (PgBouncer's one" \
            "thread; older jars' acceptor thread too); JIT: the C1 and C2 compiler threads; other: the rest of" \
            "the JVM. cs: context switches per" \
            "transaction, voluntary (the process waited) and involuntary (it was preempted)."
        echo
        echo "| target | round | TPS | user | kernel | total | loops user / kernel | JIT | other | vol. cs | invol. cs |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11}' "$RESULTS"
    } | save_report
}

main
