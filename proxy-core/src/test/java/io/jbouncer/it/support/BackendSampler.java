package io.jbouncer.it.support;

import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches how many backends PostgreSQL has for one role while a test runs, by asking
 * {@link PostgresCluster#backendCount} every 20 ms on a thread of its own, and keeps the peak: the pooler's
 * server-side connection count as PostgreSQL itself sees it.
 *
 * <p>A sample that fails stops the sampling; {@link #peak()} then throws, because a peak over a broken sampler
 * proves nothing.
 */
public final class BackendSampler implements AutoCloseable {

    private static final long INTERVAL_MILLIS = 20;

    private final ScheduledExecutorService thread;
    private final ScheduledFuture<?> sampling;
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger samples = new AtomicInteger();

    private BackendSampler(PostgresCluster pg, String user) {
        thread = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "backend-sampler-" + user));
        sampling = thread.scheduleAtFixedRate(() -> {
            try {
                peak.accumulateAndGet(pg.backendCount(user), Math::max);
                samples.incrementAndGet();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot count the backends of " + user, e);
            }
        }, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts sampling the client backends of {@code user} on {@code pg}. */
    public static BackendSampler start(PostgresCluster pg, String user) {
        return new BackendSampler(pg, user);
    }

    /**
     * The largest backend count seen so far.
     *
     * @throws IllegalStateException if a sample failed, or none was taken
     */
    public int peak() {
        if (sampling.isDone()) {
            throw new IllegalStateException("the backend sampler stopped", causeOf(sampling));
        }
        if (samples.get() == 0) {
            throw new IllegalStateException("the backend sampler has not taken a sample yet");
        }
        return peak.get();
    }

    /** How many samples were taken. */
    public int samples() {
        return samples.get();
    }

    private static Throwable causeOf(ScheduledFuture<?> done) {
        try {
            done.get();
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdownNow();
        if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the backend sampler did not stop");
        }
    }
}
