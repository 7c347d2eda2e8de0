package io.jbouncer.it.support;

import java.sql.SQLException;

/**
 * Watches how many backends PostgreSQL has for one role while a test runs ({@link PostgresCluster#backendCount}
 * every 20 ms) and keeps the peak: the pooler's server-side connection count as PostgreSQL itself sees it. A
 * {@link PeakSampler} over one role; a failed sample makes {@link #peak()} throw.
 */
public final class BackendSampler implements AutoCloseable {
    private final PeakSampler sampler;

    private BackendSampler(PeakSampler sampler) {
        this.sampler = sampler;
    }

    /** Starts sampling the client backends of {@code user} on {@code pg}. */
    public static BackendSampler start(PostgresCluster pg, String user) {
        return new BackendSampler(PeakSampler.start("backends-" + user, () -> {
            try {
                return pg.backendCount(user);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot count the backends of " + user, e);
            }
        }));
    }

    /**
     * The largest backend count seen so far.
     *
     * @throws IllegalStateException if a sample failed, or none was taken
     */
    public int peak() {
        return sampler.peak();
    }

    /** How many samples were taken. */
    public int samples() {
        return sampler.samples();
    }

    @Override
    public void close() throws InterruptedException {
        sampler.close();
    }
}
