package io.jbouncer.admin;

/** The three forms of the SHUTDOWN console command (PgBouncer usage.md). */
public enum ShutdownMode {
    /** {@code SHUTDOWN}: exit now, no reply. */
    IMMEDIATE,
    /** {@code SHUTDOWN WAIT_FOR_SERVERS}: pause, close listeners, exit when no servers remain. */
    WAIT_FOR_SERVERS,
    /** {@code SHUTDOWN WAIT_FOR_CLIENTS}: close listeners, exit when no clients remain. */
    WAIT_FOR_CLIENTS
}
