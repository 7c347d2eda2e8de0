package io.jbouncer.it.support;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Samples a count every 20 ms on a thread of its own while a test runs and keeps the peak: for limits that a
 * single moment cannot show were never exceeded, such as the backends of several roles together under
 * {@code max_db_connections}. {@link BackendSampler} is the single-role case built on it.
 *
 * <p>A sample that throws stops the sampling; {@link #peak()} then throws, because a peak over a broken sampler
 * proves nothing.
 */
public final class PeakSampler implements AutoCloseable {

    private static final long INTERVAL_MILLIS = 20;

    private final ScheduledExecutorService thread;
    private final ScheduledFuture<?> sampling;
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger samples = new AtomicInteger();

    private PeakSampler(String name, IntSupplier count) {
        thread = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "peak-sampler-" + name));
        sampling = thread.scheduleAtFixedRate(() -> {
            peak.accumulateAndGet(count.getAsInt(), Math::max);
            samples.incrementAndGet();
        }, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts sampling {@code count}; {@code name} names the thread. */
    public static PeakSampler start(String name, IntSupplier count) {
        return new PeakSampler(name, count);
    }

    /**
     * The largest count seen so far.
     *
     * @throws IllegalStateException if a sample failed, or none was taken
     */
    public int peak() {
        if (sampling.isDone()) {
            throw new IllegalStateException("the sampler stopped", causeOf(sampling));
        }
        if (samples.get() == 0) {
            throw new IllegalStateException("the sampler has not taken a sample yet");
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
            throw new IllegalStateException("the sampler did not stop");
        }
    }
}
