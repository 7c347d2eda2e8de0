package io.jbouncer.it.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients that each open a transaction and keep it (and so, in transaction pooling, their server connection) until
 * the test lets them commit: the way to make a pool hold exactly as many servers as a test wants, with no sleeps.
 *
 * <p>Each client connects, turns autocommit off, runs {@code SELECT 1} (which blocks while the pooler has no server
 * for it), counts itself {@link #entered()}, waits for a permit from {@link #release}, commits and disconnects.
 */
public final class HeldTransactions implements AutoCloseable {

    /** Opens the connection of client number {@code client} (0-based). */
    @FunctionalInterface
    public interface Connector {
        Connection connect(int client) throws SQLException;
    }

    private final int count;
    private final AtomicInteger entered = new AtomicInteger();
    private final Semaphore commits = new Semaphore(0);
    private final ConcurrentClients<Void> clients;

    private HeldTransactions(int count, Connector connector) {
        this.count = count;
        clients = ConcurrentClients.start(count, client -> hold(connector, client));
    }

    /** Starts {@code count} clients at once. */
    public static HeldTransactions start(int count, Connector connector) {
        return new HeldTransactions(count, connector);
    }

    private Void hold(Connector connector, int client) throws SQLException, InterruptedException {
        try (Connection c = connector.connect(client); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT 1");
            entered.incrementAndGet();
            commits.acquire();
            c.commit();
        }
        return null;
    }

    /** How many clients have got a server and are inside their transaction, or were. */
    public int entered() {
        return entered.get();
    }

    /** Polls until {@link #entered()} is at least {@code count}; returns whether it got there in time. */
    public boolean awaitEntered(int count, Duration timeout) {
        return Poll.until(timeout, () -> entered.get() >= count);
    }

    /** Lets {@code count} of the clients inside a transaction (or the next ones to enter) commit and leave. */
    public void release(int count) {
        commits.release(count);
    }

    /**
     * Lets every client commit and waits until all have disconnected.
     *
     * @throws AssertionError if a client failed (for example was refused instead of queued) or did not finish
     */
    public void releaseAllAndAwait(Duration timeout) throws InterruptedException {
        commits.release(count);
        clients.await(timeout);
    }

    /** Interrupts clients still waiting (their connections close) and stops their threads. */
    @Override
    public void close() throws InterruptedException {
        clients.close();
    }
}
