#!/usr/bin/env bash
# pgbench -M prepared against -M extended (select-only), through jbouncer in transaction mode and direct to
# PostgreSQL, in the same run, interleaved and repeated (issue 7's benchmark: prepared statements through the
# pooler should be at least as fast as the extended protocol without them).
#
# Usage: benchmarks/e2e/prepared.sh [--out FILE]
#   --out FILE  where the markdown report goes (default: benchmarks/e2e/results/prepared-<UTC time>.md)
# Environment (defaults in brackets):
#   DURATION [10] seconds per pgbench run   REPEATS [3] rounds of the whole matrix   CLIENTS [20]
#   SCALE [10] pgbench -i scale             WARMUP [5] seconds of unrecorded load per target and mode first
#   POOL_SIZE [10]  PG_PORT [25432]  JBOUNCER_PORT [27432]  JBOUNCER_JAR [proxy-core/target/jbouncer.jar]
#
# pgbench runs with -j equal to -c: with -M prepared pgbench prepares with a blocking PQprepare inside the
# transaction, so one thread serving several clients waits for a server connection while its other clients hold
# every server connection of a small pool idle in their transactions: pgbench deadlocks itself (through PgBouncer
# too). One thread per client avoids that.
#
# Installs nothing (the checks of lib.sh apply, PgBouncer included although it is not measured here).

# (before lib.sh, whose own default is 20)
POOL_SIZE=${POOL_SIZE:-10}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${DURATION:-10}
REPEATS=${REPEATS:-3}
CLIENTS=${CLIENTS:-20}
SCALE=${SCALE:-10}
WARMUP=${WARMUP:-5}
TARGETS="direct jbouncer"
MODES="extended prepared"
parse_args "$@"

# Runs pgbench -S -M $2 against target $1 for $3 seconds; prints "tps failed".
run_pgbench() {
    local target=$1 mode=$2 seconds=$3 out
    out=$(PGPASSWORD=$BENCH_PASSWORD timeout $((seconds * 3 + 60)) pgbench -h 127.0.0.1 -p "$(port_of "$target")" \
        -U "$BENCH_USER" -n -S -M "$mode" -c "$CLIENTS" -j "$CLIENTS" -T "$seconds" "$BENCH_DB" 2>&1) \
        || log "pgbench -M $mode on $target failed: $(tail -2 <<<"$out")"
    awk '/^tps = / {tps = $3} /^number of failed transactions/ {failed = $5}
        END {print (tps == "" ? 0 : tps), (failed == "" ? "?" : failed)}' <<<"$out"
}

main() {
    begin_run 4096
    start_postgres $((CLIENTS + 60))
    init_pgbench "$SCALE"
    start_jbouncer
    local results=$WORKDIR/prepared.tsv target mode repeat i
    : >"$results"
    for target in $TARGETS; do
        for mode in $MODES; do
            run_pgbench "$target" "$mode" "$WARMUP" >/dev/null
        done
    done
    local -a order=()
    for target in $TARGETS; do
        for mode in $MODES; do
            order+=("$target:$mode")
        done
    done
    for ((repeat = 1; repeat <= REPEATS; repeat++)); do
        # rotate the four runs by one per repeat so that none always goes first
        for ((i = 0; i < ${#order[@]}; i++)); do
            IFS=: read -r target mode <<<"${order[$(((i + repeat - 1) % ${#order[@]}))]}"
            read -r tps failed < <(run_pgbench "$target" "$mode" "$DURATION")
            printf '%s\t%s\t%s\t%s\t%s\n' "$repeat" "$target" "$mode" "$tps" "$failed" >>"$results"
            log "$(printf 'repeat %s %-8s -M %-8s tps=%-10s failed=%s' "$repeat" "$target" "$mode" "$tps" "$failed")"
        done
    done
    {
        echo "# pgbench -S -M prepared vs -M extended, direct and through jbouncer"
        echo
        machine_facts
        echo "- command: pgbench -n -S -M {extended,prepared} -c $CLIENTS -j $CLIENTS -T $DURATION (scale $SCALE)," \
            "jbouncer pool_mode=$POOL_MODE default_pool_size=$POOL_SIZE, $REPEATS interleaved repeats"
        echo
        awk -F'\t' -f - "$results" <<'AWK'
        { tps[$2, $3, ++n[$2, $3]] = $4; failed[$2, $3] += ($5 == "?" ? 0 : $5) }
        # median of the repeats of target t in mode m (insertion sort: a handful of values)
        function median(t, m,    k, v, i, j, x) {
            k = n[t, m]
            for (i = 1; i <= k; i++) {
                x = tps[t, m, i] + 0
                for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]
                v[j + 1] = x
            }
            return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
        }
        END {
            print "| target | extended TPS (median) | prepared TPS (median) | prepared / extended | failed tx |"
            print "|---|---:|---:|---:|---:|"
            split("direct jbouncer", targets, " ")
            for (i = 1; i <= 2; i++) {
                t = targets[i]; e = median(t, "extended"); p = median(t, "prepared")
                printf "| %s | %.0f | %.0f | %.3f | %d |\n", t, e, p, (e > 0 ? p / e : 0),
                    failed[t, "extended"] + failed[t, "prepared"]
            }
        }
AWK
        echo
        raw_results "Raw runs (repeat, target, mode, tps, failed):" "$results"
    } | save_report
}

main
