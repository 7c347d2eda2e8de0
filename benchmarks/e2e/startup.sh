#!/usr/bin/env bash
# Start-up and warm-up of a freshly started jbouncer, per runtime variant (and of PgBouncer for comparison): milliseconds from exec to the listening
# port, to the first query answered, the TPS of CLIENTS select-only clients in the first FIRST seconds after that
# against the steady state after WARM seconds more, and the RSS at the end. Each repeat starts a new JVM; variants
# are interleaved. These are latency and warm-up figures, not throughput comparisons between poolers, so they mean
# something on a shared machine if repeated, but the TPS ratio is only indicative there.
#
# Usage: benchmarks/e2e/startup.sh [--smoke] [--out FILE]
#   --smoke     one repeat, 20 clients, short runs
# Environment (defaults in brackets):
#   VARIANTS ["17 25 25-aot"] from: 17 (JDK 17), 25 (JDK 25 with bin/jbouncer's defaults, which add compact object
#     headers, no AOT cache), 25-aot (the same with the AOT cache of bin/jbouncer-aot-cache), 25-nocoh (JDK 25
#     without compact object headers, no AOT cache), pgbouncer (PgBouncer itself: what any pooler's first seconds
#     cost, its 100 logins and its first server connections, without a JIT)
#   JDK17_HOME [/usr/lib/jvm/java-17-openjdk-amd64]  JDK25_HOME [/usr/lib/jvm/temurin-25-jdk-amd64]
#   AOT_CACHE [the cache bin/jbouncer would use for JBOUNCER_JAR on JDK25_HOME]; made first when missing
#   REPEATS [5]  CLIENTS [100]  FIRST [2] seconds  WARM [10] seconds  STEADY [5] seconds  SCALE [1]
#   plus the ports, POOL_SIZE, JBOUNCER_JAR, PG_BIN and WORKDIR of compare.sh (lib.sh)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VARIANTS=${VARIANTS:-17 25 25-aot}
JDK17_HOME=${JDK17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25_HOME=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
REPEATS=${REPEATS:-5}
CLIENTS=${CLIENTS:-100}
FIRST=${FIRST:-2}
WARM=${WARM:-10}
STEADY=${STEADY:-5}
SCALE=${SCALE:-1}

script_option() {
    case $1 in
        --smoke) REPEATS=1 CLIENTS=20 WARM=2 STEADY=2 ;;
        *) return 1 ;;
    esac
}
parse_args "$@"

# The AOT cache bin/jbouncer would look for beside JBOUNCER_JAR on JDK25_HOME.
default_aot_cache() {
    (JAVA_HOME=$JDK25_HOME && . "$REPO_DIR/bin/jbouncer-jdk" && select_java && aot_cache_path "$JBOUNCER_JAR")
}

# bin/jbouncer's default JVM options without the JDK-specific additions: its top-level defaults= lines.
launcher_defaults() {
    sed -n '/^defaults=/p' "$REPO_DIR/bin/jbouncer" | sh -c 'eval "$(cat)"; echo "$defaults"'
}

# Sets JAVA_HOME, JBOUNCER_AOT_CACHE and JBOUNCER_JAVA_OPTS for variant $1 (in the caller's shell).
variant_environment() {
    JBOUNCER_AOT_CACHE=none
    JBOUNCER_JAVA_OPTS=""
    case $1 in
        17) JAVA_HOME=$JDK17_HOME ;;
        25) JAVA_HOME=$JDK25_HOME ;;
        25-aot) JAVA_HOME=$JDK25_HOME JBOUNCER_AOT_CACHE=$AOT_CACHE ;;
        25-nocoh) JAVA_HOME=$JDK25_HOME JBOUNCER_JAVA_OPTS=$(launcher_defaults) ;;
        *) die "unknown variant: $1" ;;
    esac
    export JAVA_HOME JBOUNCER_AOT_CACHE
}

now_ms() {
    date +%s%3N
}

# Starts the pooler of variant $1 in the background: sets VARIANT_PORT, and VARIANT_PID where it is known at once
# (a JVM keeps bin/jbouncer's PID; PgBouncer -d writes its pidfile once it runs).
spawn_variant() {
    if [[ $1 == pgbouncer ]]; then
        VARIANT_PORT=$PGBOUNCER_PORT
        VARIANT_PID=""
        write_pooler_config pgbouncer "$PGBOUNCER_PORT"
        rm -f "$WORKDIR/pgbouncer.pid"
        as_owner pgbouncer -d -q "$WORKDIR/pgbouncer.ini" || die "PgBouncer did not start"
    else
        variant_environment "$1"
        VARIANT_PORT=$JBOUNCER_PORT
        write_pooler_config jbouncer "$JBOUNCER_PORT"
        spawn_jbouncer jbouncer "jbouncer-$1.out"
        VARIANT_PID=$SPAWNED_PID
        JBOUNCER_PID=$VARIANT_PID
    fi
}

# Fails the run if variant $1 started at $2 (ms) has exited or, for PgBouncer, is not listening after 30 s.
check_alive() {
    if [[ -n $VARIANT_PID ]]; then
        kill -0 "$VARIANT_PID" 2>/dev/null || die "$1 exited: $(tail -3 "$WORKDIR/jbouncer-$1.out" 2>/dev/null)"
    elif (($(now_ms) - $2 > 30000)); then
        die "$1 is not listening after 30 s"
    fi
}

# One start of variant $1: prints "variant listen_ms first_query_ms first_tps steady_tps rss_kB cpu_ms", cpu_ms
# being the pooler's CPU time (user + system, all threads) until the first query was answered.
measure_start() {
    local variant=$1 start listen_ms first_ms first_tps steady_tps rss cpu_ms
    start=$(now_ms)
    spawn_variant "$variant"
    until (exec 3<>"/dev/tcp/127.0.0.1/$VARIANT_PORT") 2>/dev/null; do
        check_alive "$variant" "$start"
        sleep 0.005
    done
    listen_ms=$(($(now_ms) - start))
    if [[ $variant == pgbouncer ]]; then
        VARIANT_PID=$(cat "$WORKDIR/pgbouncer.pid")
        PGBOUNCER_PID=$VARIANT_PID
    fi
    if [[ $variant == *-aot ]] && grep -q 'AOT cache' "$WORKDIR/jbouncer-$variant.out"; then
        die "the JVM refused the AOT cache $AOT_CACHE (made from another jar? rerun bin/jbouncer-aot-cache):" \
            "$(grep 'AOT cache' "$WORKDIR/jbouncer-$variant.out" | head -2)"
    fi
    until PGPASSWORD=$BENCH_PASSWORD psql -X -q -t -h 127.0.0.1 -p "$VARIANT_PORT" -U "$BENCH_USER" \
            -c 'SELECT 1' "$BENCH_DB" >/dev/null 2>&1; do
        check_alive "$variant" "$start"
    done
    first_ms=$(($(now_ms) - start))
    cpu_ms=$(($(cpu_ticks "$VARIANT_PID") * 1000 / $(getconf CLK_TCK)))
    first_tps=$(bench "$FIRST")
    bench "$WARM" >/dev/null
    steady_tps=$(bench "$STEADY")
    rss=$(rss_kb "$VARIANT_PID")
    stop_pid "$VARIANT_PID"
    JBOUNCER_PID="" PGBOUNCER_PID=""
    echo "$variant $listen_ms $first_ms $first_tps $steady_tps $rss $cpu_ms"
}

# TPS of CLIENTS select-only clients for $1 seconds, connections included (a restarted pooler's clients reconnect).
bench() {
    PGPASSWORD=$BENCH_PASSWORD pgbench -h 127.0.0.1 -p "$VARIANT_PORT" -U "$BENCH_USER" -n -S -T "$1" \
        -c "$CLIENTS" -j "$(( CLIENTS < $(nproc) ? CLIENTS : $(nproc) ))" "$BENCH_DB" 2>>"$WORKDIR/pgbench.err" \
        | awk '/^number of transactions actually processed/ {split($0, a, ": "); split(a[2], b, "/"); n = b[1]}
               END {printf "%.0f\n", n / '"$1"'}'
}

# The median of column $2 over the lines of variant $1 in $RESULTS.
median_of() {
    awk -v v="$1" -v c="$2" '$1 == v {print $c}' "$RESULTS" | median
}

main() {
    begin_run 20000
    AOT_CACHE=${AOT_CACHE:-$(default_aot_cache)}
    if [[ " $VARIANTS " == *" 25-aot "* && ! -f $AOT_CACHE ]]; then
        log "no AOT cache at $AOT_CACHE: making it (bin/jbouncer-aot-cache)"
        JAVA_HOME=$JDK25_HOME JBOUNCER_JAR=$JBOUNCER_JAR JBOUNCER_AOT_CACHE=$AOT_CACHE \
            "$REPO_DIR/bin/jbouncer-aot-cache" >"$WORKDIR/aot-cache.log" 2>&1 \
            || die "bin/jbouncer-aot-cache failed: $(tail -3 "$WORKDIR/aot-cache.log")"
    fi
    # The same path as the jar the cache was made from would do too; a copy keeps a rebuild from changing it.
    cp -p "$JBOUNCER_JAR" "$WORKDIR/jbouncer.jar"
    start_postgres $((CLIENTS + 2 * POOL_SIZE + 20))
    init_pgbench "$SCALE"
    RESULTS=$WORKDIR/results.txt
    : >"$RESULTS"
    local repeat variant line
    for ((repeat = 1; repeat <= REPEATS; repeat++)); do
        for variant in $VARIANTS; do
            line=$(measure_start "$variant")
            log "repeat $repeat: $line"
            echo "$line" >>"$RESULTS"
        done
    done
    {
        echo "# jbouncer start-up and warm-up"
        echo
        echo "Command: \`VARIANTS=\"$VARIANTS\" REPEATS=$REPEATS CLIENTS=$CLIENTS FIRST=$FIRST WARM=$WARM" \
            "STEADY=$STEADY POOL_SIZE=$POOL_SIZE benchmarks/e2e/startup.sh\`"
        echo
        machine_facts
        echo "- JDK 17: $("$JDK17_HOME/bin/java" -version 2>&1 | head -1); JDK 25: $("$JDK25_HOME/bin/java" -version 2>&1 | head -1)"
        echo "- AOT cache: $AOT_CACHE ($(du -k "$AOT_CACHE" 2>/dev/null | cut -f1) kB)"
        echo
        echo "Medians of $REPEATS starts per variant, interleaved. Listening and first query: ms from exec of" \
            "bin/jbouncer. First ${FIRST} s: TPS of $CLIENTS pgbench -S clients started right after the first" \
            "query (their logins included); steady: after ${WARM} s more, ${STEADY} s. RSS after the steady run." \
            "CPU to first query: the JVM's user + system time until then, which other load on the machine changes" \
            "far less than the wall-clock times."
        echo
        echo "| variant | listening ms | first query ms | CPU ms to first query | TPS first ${FIRST} s | TPS steady |" \
            "first/steady | RSS MB |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|"
        for variant in $VARIANTS; do
            local first steady
            first=$(median_of "$variant" 4)
            steady=$(median_of "$variant" 5)
            printf '| %s | %s | %s | %s | %s | %s | %s | %.1f |\n' "$variant" "$(median_of "$variant" 2)" \
                "$(median_of "$variant" 3)" "$(median_of "$variant" 7)" "$first" "$steady" \
                "$(ratio "$first" "$steady")" \
                "$(awk -v k="$(median_of "$variant" 6)" 'BEGIN {print k / 1024}')"
        done
        echo
        raw_results "Raw (variant, listening ms, first query ms, TPS first, TPS steady, RSS kB, CPU ms to first query):" \
            "$RESULTS"
    } | save_report
}

main
