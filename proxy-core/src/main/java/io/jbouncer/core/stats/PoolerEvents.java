package io.jbouncer.core.stats;

/**
 * What the pooler tells the metrics endpoint that the console's counters do not hold: latency distributions,
 * refused logins and reloads. {@link #NONE} while {@code metrics_port} is 0, so no metric costs anything then.
 */
public interface PoolerEvents {
    PoolerEvents NONE = new PoolerEvents() {
        @Override
        public DatabaseEvents database(String database) {
            return DatabaseEvents.NONE;
        }

        @Override
        public void loginRefused(String message) {
        }

        @Override
        public void reloaded(boolean succeeded) {
        }

        @Override
        public void tlsHandshake(TlsSide side, boolean succeeded) {
        }
    };

    /** Which connection a TLS handshake was on: a client's to jbouncer, or jbouncer's to PostgreSQL. */
    enum TlsSide { CLIENT, SERVER }

    /** Where the pools of {@code database} report; called when a pool is created, never per query. */
    DatabaseEvents database(String database);

    /** A login was refused with PgBouncer's error text, e.g. {@code password authentication failed}. */
    void loginRefused(String message);

    /** A RELOAD (console or SIGHUP) ended. */
    void reloaded(boolean succeeded);

    /** A TLS handshake ended; called once per handshake, never per query. */
    void tlsHandshake(TlsSide side, boolean succeeded);
}
