#!/usr/bin/env bash
# System calls and CPU time per transaction of each pooler, counted with `strace -c -f` over a fixed number of
# pgbench transactions: figures that a loaded machine does not change much, unlike TPS. With BASELINE_JAR set to the
# same jar and JBOUNCER_INI_EXTRA to one setting, it measures that setting, for example the io_uring transport:
#   BASELINE_JAR=proxy-core/target/jbouncer.jar JBOUNCER_INI_EXTRA="io_transport = io_uring" \
#       benchmarks/e2e/syscalls.sh
#
# Usage: benchmarks/e2e/syscalls.sh [--out FILE]
# Environment (defaults in brackets): TARGETS ["pgbouncer jbouncer" + baseline when BASELINE_JAR is set]
#   CASES ["10:2000 100:200"] clients:transactions-per-client of pgbench -S; REPEATS [2]; TOP [8] syscalls listed
#   plus the ports, POOL_SIZE, JBOUNCER_JAR, JBOUNCER_JAVA_OPTS, BASELINE_JAR, JBOUNCER_INI_EXTRA, PG_BIN and
#   WORKDIR of compare.sh (lib.sh). strace slows the traced pooler down: read the counts, not the TPS.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGETS=${TARGETS:-pgbouncer jbouncer${BASELINE_JAR:+ baseline}}
CASES=${CASES:-10:2000 100:200}
REPEATS=${REPEATS:-2}
TOP=${TOP:-8}
parse_args "$@"

# One traced run of case $2 (clients:transactions) on target $1; prints "target case transactions calls cpu_us
# top-syscalls" (calls and CPU per transaction; top as name=calls/tx,...).
traced_run() {
    local target=$1 clients=${2%%:*} per_client=${2##*:} pid port strace_pid ticks_before ticks_after n
    pid=$(pid_of "$target")
    port=$(port_of "$target")
    strace -c -f -o "$WORKDIR/strace-$target.txt" -p "$pid" 2>/dev/null &
    strace_pid=$!
    sleep 1 # strace attaches to every thread before the load starts
    ticks_before=$(cpu_ticks "$pid")
    PGPASSWORD=$BENCH_PASSWORD pgbench -h 127.0.0.1 -p "$port" -U "$BENCH_USER" -n -S -c "$clients" \
        -j "$(( clients < $(nproc) ? clients : $(nproc) ))" -t "$per_client" "$BENCH_DB" >"$WORKDIR/pgbench.out" \
        2>&1 || log "pgbench failed on $target: $(tail -2 "$WORKDIR/pgbench.out")"
    ticks_after=$(cpu_ticks "$pid")
    kill -INT "$strace_pid"
    wait "$strace_pid" 2>/dev/null || true
    n=$(awk -F': *' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]}' \
        "$WORKDIR/pgbench.out")
    awk -v target="$target" -v c="$2" -v n="${n:-0}" -v top="$TOP" -v cpu=$((ticks_after - ticks_before)) \
        -v hz="$(getconf CLK_TCK)" '
        $1 ~ /^[0-9.]+$/ && NF >= 5 { name = $NF; calls = $4; if (name != "total") list[name] = calls }
        $NF == "total" { total = $4 }
        END {
            s = ""
            for (k = 0; k < top; k++) {
                best = ""
                for (name in list) if (best == "" || list[name] + 0 > list[best] + 0) best = name
                if (best == "") break
                sep = s == "" ? "" : ", "
                s = s sep sprintf("%s %.2f", best, list[best] / n)
                delete list[best]
            }
            printf "%s\t%s\t%d\t%.2f\t%.1f\t%s\n", target, c, n, (n > 0 ? total / n : 0),
                (n > 0 ? cpu * 1e6 / hz / n : 0), s
        }' "$WORKDIR/strace-$target.txt"
}

main() {
    command -v strace >/dev/null || die "missing: strace; hint: apt-get install -y strace"
    begin_run 20000
    local max=10 spec
    for spec in $CASES; do
        ((${spec%%:*} > max)) && max=${spec%%:*}
    done
    start_postgres $((max + 3 * POOL_SIZE + 20))
    init_pgbench 1
    start_targets
    local target repeat
    for target in $TARGETS; do # warm-up: JIT, server connections
        PGPASSWORD=$BENCH_PASSWORD pgbench -h 127.0.0.1 -p "$(port_of "$target")" -U "$BENCH_USER" -n -S -c 10 \
            -T 5 "$BENCH_DB" >/dev/null 2>&1 || log "warm-up on $target failed"
    done
    RESULTS=$WORKDIR/results.tsv
    : >"$RESULTS"
    for ((repeat = 1; repeat <= REPEATS; repeat++)); do
        for spec in $CASES; do
            for target in $TARGETS; do
                traced_run "$target" "$spec" | tee -a "$RESULTS" >&2
            done
        done
    done
    stop_all
    {
        echo "# System calls and CPU per transaction"
        echo
        echo "Command: \`CASES=\"$CASES\" REPEATS=$REPEATS TARGETS=\"$TARGETS\" POOL_SIZE=$POOL_SIZE" \
            "${BASELINE_JAR:+BASELINE_JAR=$BASELINE_JAR }${JBOUNCER_INI_EXTRA:+JBOUNCER_INI_EXTRA=\"$JBOUNCER_INI_EXTRA\" }benchmarks/e2e/syscalls.sh\`"
        echo
        machine_facts
        echo
        echo "pgbench -S with a fixed number of transactions, the pooler traced with \`strace -c -f\` (which slows" \
            "it: CPU here is higher than untraced). One row per run."
        echo
        echo "| target | clients:tx per client | transactions | syscalls/tx | CPU µs/tx (traced) | top syscalls per tx |"
        echo "|---|---|---:|---:|---:|---|"
        awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}' "$RESULTS"
    } | save_report
}

main
