# Turns compare.sh's raw runs (tab-separated: repeat, case, target, tps, avg ms, p99 ms, CPU us/tx, failed)
# into markdown tables of per-case medians and the ratios jbouncer/PgBouncer and pooler/direct.
# Variables: cases (space-separated case ids, in table order), labels ("|"-separated, same order).
BEGIN { FS = "\t" }

{
    add("tps", $2, $3, $4)
    add("avg", $2, $3, $5)
    add("p99", $2, $3, $6)
    add("cpu", $2, $3, $7)
}

function add(metric, c, t, v,    key) {
    if (v == "-" || v == "nan" || v == "") {
        return
    }
    key = metric SUBSEP c SUBSEP t
    values[key] = values[key] " " v
}

# Median of the recorded values, or "" when there are none.
function get(metric, c, t,    n, i, j, tmp, a) {
    n = split(values[metric SUBSEP c SUBSEP t], a, " ")
    if (n == 0) {
        return ""
    }
    for (i = 2; i <= n; i++) {
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
            tmp = a[j]; a[j] = a[j - 1]; a[j - 1] = tmp
        }
    }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

function ratio(a, b) {
    return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b)
}

function fmt(v, f) {
    return v == "" ? "-" : sprintf(f, v)
}

# Average latency a pooler adds to direct; only meaningful with one client, where queueing cannot hide it.
function added(c, t,    d, v) {
    if (c !~ /^[a-z]+:[a-z]+:1:/) {
        return ""
    }
    d = get("avg", c, "direct")
    v = get("avg", c, t)
    return (d == "" || v == "") ? "" : v - d
}

function row(cells,    n, i, a, line) {
    n = split(cells, a, SUBSEP)
    line = "|"
    for (i = 1; i <= n; i++) {
        line = line " " a[i] " |"
    }
    print line
}

END {
    nc = split(cases, cs, " ")
    split(labels, ls, "|")

    print "| case | TPS direct | TPS PgBouncer | TPS jbouncer | jb/PgB | PgB/direct | jb/direct |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nc; i++) {
        c = cs[i]
        d = get("tps", c, "direct"); p = get("tps", c, "pgbouncer"); j = get("tps", c, "jbouncer")
        row(ls[i] SUBSEP fmt(d, "%.0f") SUBSEP fmt(p, "%.0f") SUBSEP fmt(j, "%.0f") \
            SUBSEP ratio(j, p) SUBSEP ratio(p, d) SUBSEP ratio(j, d))
    }

    print ""
    print "| case | avg ms direct | avg ms PgB | avg ms jb | p99 ms direct | p99 ms PgB | p99 ms jb | p99 jb/PgB |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nc; i++) {
        c = cs[i]
        row(ls[i] SUBSEP fmt(get("avg", c, "direct"), "%.3f") SUBSEP fmt(get("avg", c, "pgbouncer"), "%.3f") \
            SUBSEP fmt(get("avg", c, "jbouncer"), "%.3f") SUBSEP fmt(get("p99", c, "direct"), "%.3f") \
            SUBSEP fmt(get("p99", c, "pgbouncer"), "%.3f") SUBSEP fmt(get("p99", c, "jbouncer"), "%.3f") \
            SUBSEP ratio(get("p99", c, "jbouncer"), get("p99", c, "pgbouncer")))
    }

    print ""
    print "| case | CPU µs/tx PgB | CPU µs/tx jb | jb/PgB | added avg ms PgB (c=1) | added avg ms jb (c=1) | jb/PgB |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nc; i++) {
        c = cs[i]
        p = get("cpu", c, "pgbouncer"); j = get("cpu", c, "jbouncer")
        ap = added(c, "pgbouncer"); aj = added(c, "jbouncer")
        row(ls[i] SUBSEP fmt(p, "%.1f") SUBSEP fmt(j, "%.1f") SUBSEP ratio(j, p) \
            SUBSEP fmt(ap, "%.3f") SUBSEP fmt(aj, "%.3f") SUBSEP ratio(aj, ap))
    }
}
