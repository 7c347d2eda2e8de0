package io.jbouncer.admin.view;

/**
 * The eleven PgBouncer 1.25 statistics, either totals or per-second averages (PgBouncer usage.md, SHOW STATS).
 * {@code bytesReceived} counts bytes from clients, {@code bytesSent} bytes from servers; times are microseconds.
 */
public record StatCounters(long serverAssignmentCount, long xactCount, long queryCount, long bytesReceived,
                           long bytesSent, long xactTime, long queryTime, long waitTime, long clientParseCount,
                           long serverParseCount, long bindCount) {
    public static final StatCounters ZERO = new StatCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
