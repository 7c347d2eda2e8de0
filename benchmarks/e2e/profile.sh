#!/usr/bin/env bash
# A CPU profile of jbouncer under pgbench, kernel frames included: async-profiler (fetched from Maven Central as
# tools.profiler:async-profiler) loaded into the JVM at start, so that starting the profile later does not make the
# JVM drop its compiled code; profiling starts after the warm-up (and after one round of clients leaving and
# arriving) and covers one measured pgbench run. Writes the collapsed stacks and a flame graph, and prints the
# kernel/user split and the user-space frames with the most samples.
#
# Usage: benchmarks/e2e/profile.sh [--out FILE]     (FILE: the summary; the stacks and flame graph lie beside it)
# Environment (defaults in brackets): CLIENTS [10]; DURATION [15] seconds profiled; WARMUP [10]; MODE [simple];
#   PGBENCH_EXTRA [""] more pgbench options (-C for logins); EVENT [cpu] async-profiler's event (cpu needs
#   kernel.perf_event_paranoid <= 1, which the script sets for the run when root; itimer otherwise, without kernel
#   frames); INTERVAL [100us]; ASYNC_PROFILER [4.2] its version; TOP [40] frames listed; plus JBOUNCER_JAR,
#   JBOUNCER_JAVA_OPTS (bin/jbouncer's defaults when empty), JBOUNCER_INI_EXTRA and the ports of lib.sh.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=${CLIENTS:-10}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-10}
MODE=${MODE:-simple}
PGBENCH_EXTRA=${PGBENCH_EXTRA:-}
EVENT=${EVENT:-cpu}
INTERVAL=${INTERVAL:-100us}
ASYNC_PROFILER=${ASYNC_PROFILER:-4.2}
TOP=${TOP:-40}
parse_args "$@"

# Unpacks async-profiler's native library for this machine under $WORKDIR and prints its path.
profiler_library() {
    local jar=$HOME/.m2/repository/tools/profiler/async-profiler/$ASYNC_PROFILER/async-profiler-$ASYNC_PROFILER.jar
    local arch
    case $(uname -m) in
        x86_64) arch=linux-x64 ;;
        aarch64) arch=linux-arm64 ;;
        *) die "async-profiler has no library for $(uname -m)" ;;
    esac
    if [[ ! -f $jar ]]; then
        mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER" >&2 ||
            die "could not fetch tools.profiler:async-profiler:$ASYNC_PROFILER from Maven"
    fi
    (cd "$WORKDIR" && unzip -o -q "$jar" "$arch/libasyncProfiler.so") || die "no $arch library in $jar"
    echo "$WORKDIR/$arch/libasyncProfiler.so"
}

# cpu-clock samples with kernel stacks need perf events; root may allow them for the run.
choose_event() {
    local paranoid
    paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)
    if [[ $EVENT == cpu && $paranoid -gt 1 ]]; then
        if [[ $(id -u) -eq 0 ]] && echo 1 >/proc/sys/kernel/perf_event_paranoid 2>/dev/null; then
            log "kernel.perf_event_paranoid $paranoid -> 1 for kernel stacks, until the run ends"
            # the machine gets its setting back however the run ends, before lib.sh's cleanup stops the processes
            trap "echo $paranoid >/proc/sys/kernel/perf_event_paranoid; cleanup" EXIT
        else
            log "kernel.perf_event_paranoid is $paranoid: profiling with itimer, without kernel frames"
            EVENT=itimer
        fi
    fi
}

# jcmd passes one quoted string to the agent; unquoted, it would split async-profiler's options at '='.
profiler_command() {
    jcmd "$JBOUNCER_PID" JVMTI.agent_load "$LIBRARY" "\"$1\"" >/dev/null || die "async-profiler refused: $1"
}


# Kernel/user split and the user-space frames with the most self samples, from collapsed stacks $1.
summary() {
    awk -v top="$TOP" '
        { n = $NF; $NF = ""; sub(/ $/, ""); k = split($0, frame, ";"); leaf = frame[k]; total += n
          if (leaf ~ /_\[k\]$/) { kernel += n; next }
          self[leaf] += n }
        END {
            printf "samples %d: kernel %.1f %%, user %.1f %%\n\n", total, 100 * kernel / total, 100 * (total - kernel) / total
            printf "user-space frames by self samples (%% of user samples):\n"
            for (f in self) printf "%6.1f %%  %s\n", 100 * self[f] / (total - kernel), f | "sort -rn | head -" top
        }' "$1"
}

main() {
    command -v jcmd >/dev/null || die "missing: jcmd (a JDK, not only a JRE)"
    begin_run 4096
    choose_event
    LIBRARY=$(profiler_library)
    start_postgres $((CLIENTS + 3 * POOL_SIZE + 20))
    init_pgbench 10
    JBOUNCER_EXTRA_JAVA_OPTS="-agentpath:$LIBRARY" start_jbouncer
    # shellcheck disable=SC2086
    warm_up "$JBOUNCER_PORT" $PGBENCH_EXTRA
    local stacks=${OUT%.md}.collapsed flame=${OUT%.md}.html
    mkdir -p "$(dirname "$OUT")"
    profiler_command "start,event=$EVENT,interval=$INTERVAL"
    # shellcheck disable=SC2086
    select_load "$JBOUNCER_PORT" "$DURATION" $PGBENCH_EXTRA >"$WORKDIR/pgbench.out" 2>&1 || log "pgbench failed: $(tail -2 "$WORKDIR/pgbench.out")"
    profiler_command "stop,collapsed,file=$stacks"
    jcmd "$JBOUNCER_PID" JVMTI.agent_load "$LIBRARY" "\"flamegraph,file=$flame\"" >/dev/null ||
        log "no flame graph written"
    {
        echo "# CPU profile of jbouncer"
        echo
        echo "Command: \`CLIENTS=$CLIENTS DURATION=$DURATION WARMUP=$WARMUP MODE=$MODE" \
            "${PGBENCH_EXTRA:+PGBENCH_EXTRA=\"$PGBENCH_EXTRA\" }EVENT=$EVENT INTERVAL=$INTERVAL" \
            "${JBOUNCER_INI_EXTRA:+JBOUNCER_INI_EXTRA=\"$JBOUNCER_INI_EXTRA\" }benchmarks/e2e/profile.sh\`"
        echo
        machine_facts
        echo "- result: $(awk '/^tps = / {print "tps " $3; exit}' "$WORKDIR/pgbench.out")"
        echo "- stacks: $stacks; flame graph: $flame"
        echo
        echo '```'
        summary "$stacks"
        echo '```'
    } | save_report
}

main
