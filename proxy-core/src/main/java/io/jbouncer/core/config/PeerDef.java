package io.jbouncer.core.config;

/**
 * One {@code [peers]} entry (PgBouncer 1.19+): another PgBouncer process that cancel requests are forwarded to.
 *
 * @param id peer id, 1..65535
 * @param host host or Unix socket directory (mandatory)
 * @param port port (6432 unless set)
 * @param poolSize concurrent cancel forwards to this peer; -1 = not set ({@code default_pool_size})
 */
public record PeerDef(int id, String host, int port, int poolSize) {
}
