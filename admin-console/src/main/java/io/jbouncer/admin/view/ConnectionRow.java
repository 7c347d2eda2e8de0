package io.jbouncer.admin.view;

/**
 * One client or server connection: the 21 columns of SHOW CLIENTS / SHOW SERVERS (PgBouncer usage.md).
 *
 * <p>{@code type} is {@code "C"} or {@code "S"}; {@code state} is the final text PgBouncer prints (an unlinked
 * active client is {@code idle}); times are epoch milliseconds (0 prints as now); {@code waitMicros} is the time
 * since the current query started; {@code link} is {@code ""} when unlinked; {@code tls} is {@code ""} without TLS.
 */
public record ConnectionRow(String type, String user, String database, String replication, String state,
                            String addr, int port, String localAddr, int localPort, long connectTimeMillis,
                            long requestTimeMillis, long waitMicros, boolean closeNeeded, String ptr, String link,
                            int remotePid, String tls, String applicationName, int preparedStatements, long id) {
}
