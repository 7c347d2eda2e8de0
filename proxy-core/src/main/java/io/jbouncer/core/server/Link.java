package io.jbouncer.core.server;

import io.jbouncer.core.session.SessionSettings;
import io.jbouncer.protocol.FrontendTag;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One assignment of a server connection to a client, from hand-off to release.
 *
 * <p><b>Why a counter.</b> The client's messages are processed on the client's event loop and the server's replies
 * on the server's. The server may be released at a ReadyForQuery only if no request is still outstanding — but the
 * client may be forwarding a new one at that very moment. Both sides therefore meet on one atomic {@code pending}:
 * the client adds the ReadyForQuery replies it now expects <em>before</em> writing a message
 * ({@link #beforeForward}), and the server releases only by moving {@code pending} from 1 to {@link #RELEASED}
 * ({@link #onReadyForQuery}). Whichever CAS loses learns the truth: a client that finds the link released asks the
 * pool for another server and writes nothing to this one. A released link is never reused; the next assignment
 * gets a fresh {@code Link}.
 *
 * <p>Counting follows PostgreSQL's flow: a simple Query or FunctionCall is answered by one ReadyForQuery; an
 * extended-protocol batch (Parse/Bind/Describe/Execute/Close/Flush...) is answered by one ReadyForQuery after its
 * Sync, so the batch is counted at its first message and its Sync adds nothing. COPY data is part of its Query.
 */
public final class Link {
    private static final int RELEASED = -1;
    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Link.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ClientPeer client;
    private final ServerConnection server;
    /** Updated only through {@link #PENDING} (a field, not an {@code AtomicInteger}: one object less per link). */
    private volatile int pending;
    /** Client loop only: an extended-protocol batch was counted and its Sync not yet sent. */
    private boolean batchOpen;
    /** Transaction status of the last ReadyForQuery; written by the server loop before it decrements pending. */
    private volatile byte transactionStatus = 'I';
    /**
     * Whether the reply to the pooler's own setup query (the SET of the client's parameters) is still to come. At
     * most one per link: set by the client loop before it writes that query, cleared by the server loop at its
     * ReadyForQuery; replies are swallowed until then.
     */
    private volatile boolean setupPending;
    /** When the current request cycle and transaction started (client loop writes, server loop reads). */
    private volatile long requestStartNanos;
    private volatile long transactionStartNanos;
    /** When the last ReadyForQuery arrived: idle-in-transaction time counts from it. */
    private volatile long lastReadyNanos = System.nanoTime();

    Link(ClientPeer client, ServerConnection server) {
        this.client = client;
        this.server = server;
    }

    public ClientPeer client() {
        return client;
    }

    public ServerConnection server() {
        return server;
    }

    /** The linked client's session settings, or {@code null} when they are not tracked. */
    public SessionSettings sessionSettings() {
        return client.sessionSettings();
    }

    /**
     * Client loop: accounts for a message about to be forwarded. Returns {@code false} when the server has been
     * released or lost: the message must then not be written to it.
     */
    public boolean beforeForward(byte tag) {
        boolean batchMessage = isBatchMessage(tag);
        int expected;
        if (tag == FrontendTag.QUERY || tag == FrontendTag.FUNCTION_CALL) {
            expected = 1;
        } else if (batchMessage || tag == FrontendTag.SYNC) {
            expected = batchOpen ? 0 : 1; // a batch's one ReadyForQuery is counted at its first message
        } else {
            expected = 0; // CopyData/CopyDone/CopyFail belong to the Query that started the COPY
        }
        while (true) {
            int current = pending;
            if (current == RELEASED) {
                return false;
            }
            if (expected == 0 || PENDING.compareAndSet(this, current, current + expected)) {
                if (current == 0 && expected > 0) {
                    startRequest();
                }
                if (batchMessage) {
                    batchOpen = true;
                } else if (tag == FrontendTag.SYNC) {
                    batchOpen = false;
                }
                return true;
            }
        }
    }

    /** A request cycle begins on an idle link; it also begins a transaction unless one is open. */
    private void startRequest() {
        long now = System.nanoTime();
        requestStartNanos = now;
        if (transactionStatus == 'I') {
            transactionStartNanos = now;
        }
    }

    /** Requests forwarded and not yet answered by a ReadyForQuery (negative once released). */
    public int pending() {
        return pending;
    }

    public long lastReadyNanos() {
        return lastReadyNanos;
    }

    /** Nanoseconds since the current request cycle started. */
    public long requestNanos(long now) {
        return now - requestStartNanos;
    }

    /** Nanoseconds since the current transaction started. */
    public long transactionNanos(long now) {
        return now - transactionStartNanos;
    }

    /**
     * Server loop: a ReadyForQuery arrived. Returns {@code true} when the server is released by it: nothing is
     * outstanding, the session is idle and {@code releaseWhenIdle} (transaction or statement mode).
     */
    public boolean onReadyForQuery(byte status, boolean releaseWhenIdle) {
        lastReadyNanos = System.nanoTime();
        transactionStatus = status;
        while (true) {
            int current = pending;
            if (current <= 0) {
                return false; // released meanwhile, or an unsolicited ReadyForQuery: nothing to account
            }
            if (current == 1 && releaseWhenIdle && status == 'I') {
                if (PENDING.compareAndSet(this, 1, RELEASED)) {
                    return true;
                }
            } else if (PENDING.compareAndSet(this, current, current - 1)) {
                return false;
            }
        }
    }

    /**
     * Client loop, when the client wants the server no more while it may still be linked (an idle client in
     * transaction mode, the welcome server): detaches it if it is idle and outside a transaction.
     */
    public boolean detachIfIdle() {
        // Read pending first: once it is 0 the status is that of the last ReadyForQuery, and only this (client)
        // loop can move pending off 0 again. Reading the status first would race with a 'T' reply still arriving.
        return pending == 0 && transactionStatus == 'I' && PENDING.compareAndSet(this, 0, RELEASED);
    }

    /** What a leaving client must do with the server of this link; see {@link #abandon}. */
    public enum Abandoned {
        /** Idle and outside a transaction: give it back to the pool. */
        CLEAN,
        /** A request is outstanding or a transaction is open: close it, never hand it to anyone dirty. */
        DIRTY,
        /** The server side had already released it (it may serve another client now): leave it alone. */
        GONE
    }

    /** Client loop, when the client leaves: takes the server from this link for good. */
    public Abandoned abandon() {
        while (true) {
            int current = pending;
            if (current == RELEASED) {
                return Abandoned.GONE;
            }
            byte status = transactionStatus; // stable when current == 0, see detachIfIdle
            if (PENDING.compareAndSet(this, current, RELEASED)) {
                return current == 0 && status == 'I' ? Abandoned.CLEAN : Abandoned.DIRTY;
            }
        }
    }

    /** Whether the server has left this link (released, abandoned or lost); a stale link must not be used. */
    public boolean isReleased() {
        return pending == RELEASED;
    }

    /** Any thread: the server is going away; the client must not write to it any more. */
    public void invalidate() {
        pending = RELEASED;
    }

    /** Client loop, before writing the pooler's setup query to the server. */
    void expectSetupReply() {
        setupPending = true;
    }

    /** Server loop: whether replies still belong to the pooler's setup query rather than to the client. */
    boolean inSetup() {
        return setupPending;
    }

    /** Server loop: the setup query's ReadyForQuery arrived. */
    void setupReplied() {
        setupPending = false;
    }

    public byte transactionStatus() {
        return transactionStatus;
    }

    private static boolean isBatchMessage(byte tag) {
        return tag == FrontendTag.PARSE || tag == FrontendTag.BIND || tag == FrontendTag.EXECUTE
                || tag == FrontendTag.DESCRIBE || tag == FrontendTag.CLOSE || tag == FrontendTag.FLUSH;
    }
}
