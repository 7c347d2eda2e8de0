package io.jbouncer.core.stats;

/**
 * What happens in one database's pools that the SHOW commands do not keep: each latency (SHOW STATS keeps only
 * sums) and the prepared-statement cache's hits and evictions. The metrics endpoint records them; called on the
 * event loops for every assignment, request cycle, transaction and prepared statement, so an implementation must
 * not allocate or block.
 */
public interface DatabaseEvents {
    /** Records nothing: what every pool uses while {@code metrics_port} is 0. */
    DatabaseEvents NONE = new DatabaseEvents() {
        @Override
        public void clientWait(long nanos) {
        }

        @Override
        public void query(long nanos) {
        }

        @Override
        public void transaction(long nanos) {
        }

        @Override
        public void statementCacheHit() {
        }

        @Override
        public void statementsEvicted(int count) {
        }
    };

    /** A client waited {@code nanos} for a server. */
    void clientWait(long nanos);

    /** A request cycle (query, or pipeline up to its Sync) took {@code nanos}. */
    void query(long nanos);

    /** A transaction (or an autocommit statement) took {@code nanos}. */
    void transaction(long nanos);

    /** A prepared statement a client used was already prepared on its server: no Parse was sent. */
    void statementCacheHit();

    /** {@code count} statements were closed on a server to make room under {@code max_prepared_statements}. */
    void statementsEvicted(int count);
}
