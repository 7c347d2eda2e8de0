#!/usr/bin/env bash
# Side-by-side pgbench comparison of PostgreSQL direct, PgBouncer and jbouncer (transaction mode, same pool size,
# same md5 auth_file), interleaved and repeated, with each pooler's CPU time per transaction.
#
# Usage: benchmarks/e2e/compare.sh [--smoke] [--out FILE]
#   --smoke     one 2-second select-only case per target, one repeat: proves the harness works
#   --out FILE  where the markdown report goes (default: benchmarks/e2e/results/compare-<UTC time>.md)
# Environment (defaults in brackets):
#   DURATION [10] seconds per pgbench run      REPEATS [3] rounds of the whole matrix
#   CLIENTS ["10 100 1000"]                    CONNECT_CLIENTS ["10 100"] clients of the -C cases
#   SCRIPTS ["select tpcb"] (also setselect:   MODES ["simple extended"]
#   a SET and a one-row SELECT, set-select.sql)
#   LATENCY_CASE [1] adds "select simple -c 1" (the added-latency goal); 0 leaves it out
#   TARGETS ["direct pgbouncer jbouncer"]      SCALE [10] pgbench -i scale
#   WARMUP [10] seconds of unrecorded select-only load on each target first (JIT, caches, server pools)
#   WARMUP_CASE [2] then seconds of every case on every target, unrecorded: the JIT has seen each case's shape, and
#   clients leave and arrive, before anything is measured (without it, the first measured run of a JVM paid for
#   recompiling the relay after the warm-up's clients had left: about 0.8 s of C2 time, 4 us per transaction of
#   a 6-second run, docs/benchmarks.md); 0 skips it
#   POOL_MODE [transaction]  POOL_SIZE [20]  PG_PORT [25432]  PGBOUNCER_PORT [26432]  JBOUNCER_PORT [27432]
#   JBOUNCER_JAR [proxy-core/target/jbouncer.jar]  JBOUNCER_JAVA_OPTS ["": bin/jbouncer's defaults]  PG_BIN [auto]
#   WORKDIR [mktemp]
#   BASELINE_JAR [""] a second jbouncer jar (e.g. before a tuning step), run as target "baseline" on BASELINE_PORT
#   [28432]; the report then adds a before/after table (baseline vs jbouncer) from the same interleaved run
#   JBOUNCER_INI_EXTRA [""] [pgbouncer] lines for the jbouncer target only; with BASELINE_JAR = the same jar the
#   before/after table measures that setting (metrics on vs off: JBOUNCER_INI_EXTRA="metrics_port = 29127")
#   KEEP_PGDATA [0] 1 keeps the cluster data directory in WORKDIR after the run
#   TLS [""] client, server or both: TLS on those sides for every target (see lib.sh); the issue 13 cases are
#   TLS=both CLIENTS="10 100" CONNECT_CLIENTS=10 SCRIPTS=select MODES=simple LATENCY_CASE=0
#
# Installs nothing: missing prerequisites are reported with an apt-get hint. Run as root (PostgreSQL and
# PgBouncer then run as RUN_AS=postgres via runuser) or as an ordinary user.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${DURATION:-10}
REPEATS=${REPEATS:-3}
CLIENTS=${CLIENTS:-10 100 1000}
CONNECT_CLIENTS=${CONNECT_CLIENTS:-10 100}
SCRIPTS=${SCRIPTS:-select tpcb}
MODES=${MODES:-simple extended}
LATENCY_CASE=${LATENCY_CASE:-1}
TARGETS=${TARGETS:-direct pgbouncer jbouncer${BASELINE_JAR:+ baseline}}
SCALE=${SCALE:-10}
WARMUP=${WARMUP:-10}
WARMUP_CASE=${WARMUP_CASE:-2}

script_option() {
    case $1 in
        --smoke)
            DURATION=2 REPEATS=1 CLIENTS=10 CONNECT_CLIENTS="" SCRIPTS=select MODES=simple LATENCY_CASE=0
            SCALE=1 WARMUP=2 WARMUP_CASE=0
            ;;
        *) return 1 ;;
    esac
}
parse_args "$@"

# A case is script:mode:clients:connect, e.g. "select:extended:100:" or "select:simple:10:C".
build_cases() {
    local script mode clients
    if [[ $LATENCY_CASE == 1 ]]; then
        echo "select:simple:1:"
    fi
    for script in $SCRIPTS; do
        for mode in $MODES; do
            for clients in $CLIENTS; do
                echo "$script:$mode:$clients:"
            done
        done
    done
    for clients in $CONNECT_CLIENTS; do
        echo "select:simple:$clients:C"
    done
}

case_label() {
    local script mode clients connect
    IFS=: read -r script mode clients connect <<<"$1"
    echo "$script $mode c=$clients${connect:+ -C}"
}

# The 99th percentile of the latency column (3rd, microseconds) of pgbench's per-transaction logs, in ms.
p99_ms() {
    if [[ $# -eq 0 || ! -e $1 ]]; then
        echo nan
        return
    fi
    cat "$@" | awk '{print $3}' | sort -n | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan"; exit }
        i = int(NR * 0.99 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
        printf "%.3f\n", v[i] / 1000 }'
}

# Runs one pgbench case against one target and appends a line to $RESULTS:
# repeat case target tps latency_avg_ms latency_p99_ms cpu_us_per_tx failed
run_case() {
    local repeat=$1 case_spec=$2 target=$3
    local script mode clients connect
    IFS=: read -r script mode clients connect <<<"$case_spec"
    local port pid run_dir
    port=$(port_of "$target")
    pid=$(pid_of "$target")
    run_dir=$WORKDIR/runs/$repeat-${case_spec//:/-}-$target
    mkdir -p "$run_dir"
    local args=(-h 127.0.0.1 -p "$port" -U "$BENCH_USER" -n -T "$DURATION" -c "$clients"
        -j "$(( clients < $(nproc) ? clients : $(nproc) ))" -M "$mode" -l --log-prefix="$run_dir/tx")
    [[ $script == select ]] && args+=(-S)
    [[ $script == setselect ]] && args+=(-f "$E2E_DIR/set-select.sql")
    [[ $connect == C ]] && args+=(-C)
    local ticks_before=0 ticks_after=0
    [[ -n $pid ]] && ticks_before=$(cpu_ticks "$pid")
    if ! PGPASSWORD=$BENCH_PASSWORD PGSSLMODE=$(sslmode_of "$target") timeout $((DURATION * 3 + 60)) \
            pgbench "${args[@]}" "$BENCH_DB" >"$run_dir/pgbench.out" 2>"$run_dir/pgbench.err"; then
        log "pgbench failed: $(case_label "$case_spec") on $target (see $run_dir/pgbench.err)"
        tail -3 "$run_dir/pgbench.err" >&2
    fi
    if [[ -n $pid ]]; then
        kill -0 "$pid" 2>/dev/null || die "$target (pid $pid) exited during $(case_label "$case_spec"): see $WORKDIR"
        ticks_after=$(cpu_ticks "$pid")
    fi
    local transactions tps latency failed p99 cpu_us
    transactions=$(awk -F': *' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]}' \
        "$run_dir/pgbench.out")
    tps=$(awk '/^tps = / {print $3; exit}' "$run_dir/pgbench.out")
    latency=$(awk '/^latency average = / {print $4}' "$run_dir/pgbench.out")
    failed=$(awk -F': *' '/^number of failed transactions/ {split($2, a, " "); print a[1]}' "$run_dir/pgbench.out")
    transactions=${transactions:-0}
    p99=$(p99_ms "$run_dir"/tx.*)
    rm -f "$run_dir"/tx.*
    if [[ -n $pid && $transactions -gt 0 ]]; then
        cpu_us=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v n="$transactions" \
            'BEGIN {printf "%.1f", t * 1000000 / hz / n}')
    else
        cpu_us=-
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$repeat" "$case_spec" "$target" "${tps:-0}" "${latency:-nan}" \
        "$p99" "$cpu_us" "${failed:-?}" >>"$RESULTS"
    log "$(printf '%-28s %-9s tps=%-10s avg=%-8s p99=%-8s cpu_us/tx=%s' "$(case_label "$case_spec")" "$target" \
        "${tps:-0}" "${latency:-nan}" "$p99" "$cpu_us")"
}

# Rotates the target list by $1 so that no target always runs first (or right after the same one).
rotated_targets() {
    local -a list=($TARGETS)
    local n=${#list[@]} i
    for ((i = 0; i < n; i++)); do
        echo "${list[$(((i + $1) % n))]}"
    done
}

# Median of each metric per case and target, then the markdown tables with the ratios (report.awk).
report() {
    awk -v cases="$1" -v labels="$2" -f "$E2E_DIR/report.awk" "$RESULTS"
}

# Before (baseline jar) and after (jbouncer jar) of the same run: median TPS and CPU µs/tx per case.
baseline_report() {
    awk -F'\t' -v cases="$1" -v labels="$2" '
        function median(list,    n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
                t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
            }
            return n == 0 ? "" : n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
        $3 == "baseline" || $3 == "jbouncer" {
            tps[$2, $3] = tps[$2, $3] " " $4
            if ($7 != "-") cpu[$2, $3] = cpu[$2, $3] " " $7
        }
        END {
            n = split(cases, c, " "); split(labels, l, "|")
            print "| case | TPS before | TPS after | after/before | CPU µs/tx before | CPU µs/tx after | after/before |"
            print "|---|---:|---:|---:|---:|---:|---:|"
            for (i = 1; i <= n; i++) {
                tb = median(tps[c[i], "baseline"]); ta = median(tps[c[i], "jbouncer"])
                cb = median(cpu[c[i], "baseline"]); ca = median(cpu[c[i], "jbouncer"])
                printf "| %s | %.0f | %.0f | %s | %.1f | %.1f | %s |\n", l[i], tb, ta, ratio(ta, tb), cb, ca, ratio(ca, cb)
            }
        }' "$RESULTS"
}

main() {
    begin_run 20000
    local -a cases
    local repeat case_spec target
    mapfile -t cases < <(build_cases)
    local max_clients=10
    local c
    for c in $CLIENTS $CONNECT_CLIENTS; do
        ((c > max_clients)) && max_clients=$c
    done
    log "work directory $WORKDIR; ${#cases[@]} cases x {$TARGETS} x $REPEATS repeats x ${DURATION}s${TLS:+, TLS $TLS}"
    if [[ -n $TLS ]]; then
        make_tls_files
    fi
    start_postgres $((max_clients + 2 * POOL_SIZE + 20))
    init_pgbench "$SCALE"
    start_pgbouncer
    start_jbouncer
    if [[ -n $BASELINE_JAR ]]; then
        start_baseline
    fi
    for target in $TARGETS; do
        log "warm-up: ${WARMUP}s on $target"
        PGPASSWORD=$BENCH_PASSWORD PGSSLMODE=$(sslmode_of "$target") timeout $((WARMUP * 3 + 60)) \
            pgbench -h 127.0.0.1 -p "$(port_of "$target")" \
            -U "$BENCH_USER" -n -S -T "$WARMUP" -c 10 -j "$(nproc)" "$BENCH_DB" >/dev/null 2>&1 \
            || log "warm-up on $target failed"
    done
    if ((WARMUP_CASE > 0)); then
        log "warm-up round: every case for ${WARMUP_CASE}s on every target"
        for case_spec in "${cases[@]}"; do
            for target in $TARGETS; do
                DURATION=$WARMUP_CASE RESULTS=/dev/null run_case warmup "$case_spec" "$target"
            done
        done
    fi
    RESULTS=$WORKDIR/results.tsv
    : >"$RESULTS"
    for ((repeat = 1; repeat <= REPEATS; repeat++)); do
        for case_spec in "${cases[@]}"; do
            for target in $(rotated_targets $(( repeat - 1 ))); do
                run_case "$repeat" "$case_spec" "$target"
            done
        done
    done
    stop_all
    local labels="" spec
    for spec in "${cases[@]}"; do
        labels+="$(case_label "$spec")|"
    done
    {
        echo "# jbouncer vs PgBouncer vs direct PostgreSQL"
        echo
        echo "Command: \`DURATION=$DURATION REPEATS=$REPEATS WARMUP=$WARMUP WARMUP_CASE=$WARMUP_CASE CLIENTS=\"$CLIENTS\"" \
            "CONNECT_CLIENTS=\"$CONNECT_CLIENTS\" SCRIPTS=\"$SCRIPTS\" MODES=\"$MODES\" LATENCY_CASE=$LATENCY_CASE" \
            "SCALE=$SCALE POOL_MODE=$POOL_MODE POOL_SIZE=$POOL_SIZE JBOUNCER_JAVA_OPTS=\"$JBOUNCER_JAVA_OPTS\"" \
            "${BASELINE_JAR:+BASELINE_JAR=$BASELINE_JAR}" "${TLS:+TLS=$TLS}" \
            "benchmarks/e2e/compare.sh\`"
        echo
        machine_facts
        echo
        echo "Medians of $REPEATS interleaved repeats of ${DURATION}s each; pgbench -j = min(clients, nproc)," \
            "pool_mode $POOL_MODE, pool size $POOL_SIZE, md5 auth. p99 from pgbench per-transaction logs (-l)." \
            "CPU µs/tx = pooler utime+stime over the run / transactions."
        echo
        report "${cases[*]}" "$labels"
        echo
        if [[ -n $BASELINE_JAR ]]; then
            baseline_report "${cases[*]}" "$labels"
            echo
        fi
        raw_results "Raw runs (repeat, case, target, tps, avg ms, p99 ms, CPU µs/tx, failed):" "$RESULTS"
    } | save_report
}

main
