package io.jbouncer.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Many clients at once, one platform thread each, released together by a latch so they really overlap (a thread
 * pool that starts tasks as it creates threads would let the first ones finish before the last ones begin).
 *
 * <p>{@link #await} returns every client's result in client order, or fails with the first client's failure as the
 * cause and the others suppressed, so one broken client cannot hide behind another.
 *
 * @param <T> what one client returns
 */
public final class ConcurrentClients<T> implements AutoCloseable {

    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** The work of client number {@code client} (0-based). */
    @FunctionalInterface
    public interface Task<T> {
        T run(int client) throws Exception;
    }

    private final ExecutorService threads;
    private final List<Future<T>> results;

    private ConcurrentClients(ExecutorService threads, List<Future<T>> results) {
        this.threads = threads;
        this.results = results;
    }

    /** Starts {@code clients} threads that all begin {@code task} once every one of them exists. */
    public static <T> ConcurrentClients<T> start(int clients, Task<T> task) {
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> results = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            int client = i;
            results.add(threads.submit(() -> {
                go.await();
                return task.run(client);
            }));
        }
        go.countDown();
        return new ConcurrentClients<>(threads, results);
    }

    /** {@link #start} then {@link #await}, closing the threads in any case. */
    public static <T> List<T> run(int clients, Duration timeout, Task<T> task) throws InterruptedException {
        try (ConcurrentClients<T> running = start(clients, task)) {
            return running.await(timeout);
        }
    }

    /**
     * Waits until every client has finished, {@code timeout} in all.
     *
     * @throws AssertionError if a client failed or did not finish in time
     */
    public List<T> await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<T> values = new ArrayList<>(results.size());
        List<Throwable> failures = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            try {
                values.add(results.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException e) {
                failures.add(new AssertionError("client " + i + " failed: " + e.getCause(), e.getCause()));
                values.add(null);
            } catch (TimeoutException e) {
                failures.add(new AssertionError("client " + i + " did not finish within " + timeout));
                values.add(null);
            }
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError(failures.size() + " of " + results.size()
                    + " clients failed; first: " + failures.get(0).getMessage(), failures.get(0).getCause());
            failures.stream().skip(1).limit(20).forEach(error::addSuppressed);
            throw error;
        }
        return values;
    }

    /** Interrupts clients still running and waits briefly for their threads to end. */
    @Override
    public void close() throws InterruptedException {
        threads.shutdownNow();
        if (!threads.awaitTermination(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("client threads still running " + SHUTDOWN_TIMEOUT + " after close");
        }
    }
}
