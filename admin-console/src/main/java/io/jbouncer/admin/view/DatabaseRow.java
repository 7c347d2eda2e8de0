package io.jbouncer.admin.view;

/**
 * One {@code [databases]} entry (console database included) for SHOW DATABASES. Sizes and lifetime are the
 * effective values; {@code host}, {@code forceUser}, {@code poolMode} and {@code loadBalanceHosts} may be null
 * exactly where PgBouncer prints NULL.
 */
public record DatabaseRow(String name, String host, int port, String database, String forceUser, int poolSize,
                          int minPoolSize, int reservePoolSize, int serverLifetime, String poolMode,
                          String loadBalanceHosts, int maxConnections, int currentConnections,
                          int maxClientConnections, int currentClientConnections, boolean paused,
                          boolean disabled) {
}
