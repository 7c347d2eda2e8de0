package io.jbouncer.core.stats;

/**
 * Where one database's latencies go besides the SHOW STATS sums: the metrics endpoint's histograms. Called on the
 * event loops for every assignment, request cycle and transaction, so an implementation must not allocate or
 * block.
 */
public interface Latencies {
    /** Records nothing: what every pool uses while {@code metrics_port} is 0. */
    Latencies NONE = new Latencies() {
        @Override
        public void clientWait(long nanos) {
        }

        @Override
        public void query(long nanos) {
        }

        @Override
        public void transaction(long nanos) {
        }
    };

    /** A client waited {@code nanos} for a server. */
    void clientWait(long nanos);

    /** A request cycle (query, or pipeline up to its Sync) took {@code nanos}. */
    void query(long nanos);

    /** A transaction (or an autocommit statement) took {@code nanos}. */
    void transaction(long nanos);
}
