package io.jbouncer.core.server;

import io.jbouncer.core.session.SessionSettings;
import io.jbouncer.protocol.FrontendTag;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletionStage;

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
 *
 * <p><b>Watched ReadyForQuery replies.</b> A client with LISTEN state ({@code ClientListens}) must see every
 * ReadyForQuery that answers its requests, in order, before the link may be released at it: it counts them to know
 * when the request that carried a LISTEN is answered. A client that never LISTENs must pay nothing for that, so
 * whether a link's ReadyForQuery replies go to {@link ClientPeer#readyForQuery} is one bit, {@link #WATCHED}, of
 * {@code pending} itself. The server loop tests it in the value it compare-and-sets anyway (a bit test, no call);
 * a link is watched from its start when the client already listens ({@link #watchFromStart}), or from the client's
 * first LISTEN on it, set in the same compare-and-set that counts that message ({@link #beforeFirstWatched}). Being
 * one atomic word with the count, the bit splits the link's ReadyForQuery replies exactly: a reply whose decrement
 * came before the bit was set was counted in no {@code pending} the client read and is never shown to it; every
 * later one sees the bit in the value its own compare-and-set expects (a failed CAS re-reads it) and is shown to the
 * client before that CAS, hence before the link can be released and the client's next request sent elsewhere.
 */
public final class Link {
    private static final int RELEASED = -1;
    /** Bit of {@code pending} (never set in {@link #RELEASED}'s place): ReadyForQuery replies go to the client. */
    private static final int WATCHED = 1 << 30;
    private static final int COUNT = WATCHED - 1;
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
    /**
     * The ReadyForQuery replies due, with the {@link #WATCHED} bit, or {@link #RELEASED}. Updated only through
     * {@link #PENDING} (a field, not an {@code AtomicInteger}: one object less per link).
     */
    private volatile int pending;
    /** Server loop: what the last ReadyForQuery must wait for before it goes to the client (see {@link #readyWait}). */
    private CompletionStage<?> readyWait;
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
    /** When the last ReadyForQuery arrived (the hand-out before the first): idle-in-transaction time counts from it. */
    private volatile long lastReadyNanos;

    /**
     * The times here come from the callers as {@code now}: the one {@code System.nanoTime()} a client or server read
     * takes at the start of its {@code channelRead} (a few microseconds early, never from an earlier read), or the
     * clock read just then by a task or timer.
     *
     * @param now when {@code server} is handed to {@code client}
     */
    Link(ClientPeer client, ServerConnection server, long now) {
        this.client = client;
        this.server = server;
        this.lastReadyNanos = now;
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
     * Client loop: accounts for a message about to be forwarded; a request cycle it begins starts at {@code now}.
     * Returns {@code false} when the server has been released or lost: the message must then not be written to it.
     */
    public boolean beforeForward(byte tag, long now) {
        return forward(tag, 0, now) >= 0;
    }

    /**
     * Client loop, for a client that was not watching: {@link #beforeForward}, which also makes this link's
     * ReadyForQuery replies go to the client from now on (see the class comment). Returns how many request cycles
     * the client had sent in full on this link (a Query or FunctionCall, a batch up to its Sync) that are still
     * unanswered: their ReadyForQuery replies are the first the client will be shown. Returns {@code -1} when the
     * server has been released or lost, and then nothing changed.
     */
    public int beforeFirstWatched(byte tag, long now) {
        boolean openBatch = batchOpen; // a batch counted and not yet ended by its Sync is not sent in full
        int due = forward(tag, WATCHED, now);
        return due < 0 ? -1 : openBatch ? due - 1 : due;
    }

    /** Before the link is published ({@link ServerConnection#assign}): the client already watches its replies. */
    void watchFromStart() {
        pending = WATCHED;
    }

    /** Accounts for the message with {@code bits} added; returns the replies due before it, {@code -1} if released. */
    private int forward(byte tag, int bits, long now) {
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
                return -1;
            }
            int updated = (current + expected) | bits;
            if (updated == current || PENDING.compareAndSet(this, current, updated)) {
                int due = current & COUNT;
                if (due == 0 && expected > 0) {
                    startRequest(now);
                }
                if (batchMessage) {
                    batchOpen = true;
                } else if (tag == FrontendTag.SYNC) {
                    batchOpen = false;
                }
                return due;
            }
        }
    }

    /** A request cycle begins on an idle link; it also begins a transaction unless one is open. */
    private void startRequest(long now) {
        requestStartNanos = now;
        if (transactionStatus == 'I') {
            transactionStartNanos = now;
        }
    }

    /** Requests forwarded and not yet answered by a ReadyForQuery (negative once released). */
    public int pending() {
        int current = pending;
        return current == RELEASED ? RELEASED : current & COUNT;
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
     * Server loop: a ReadyForQuery arrived, at {@code now}. Returns {@code true} when the server is released by it:
     * nothing is outstanding, the session is idle and {@code releaseWhenIdle} (transaction or statement mode). On a
     * watched link the client is shown the reply first ({@link ClientPeer#readyForQuery}); what it asks the reply to
     * wait for is then {@link #readyWait}.
     */
    public boolean onReadyForQuery(byte status, boolean releaseWhenIdle, long now) {
        lastReadyNanos = now;
        transactionStatus = status;
        readyWait = null;
        boolean shown = false;
        while (true) {
            int current = pending;
            if (current == RELEASED || (current & COUNT) == 0) {
                return false; // released meanwhile, or an unsolicited ReadyForQuery: nothing to account
            }
            if ((current & WATCHED) != 0 && !shown) {
                readyWait = client.readyForQuery(status); // before the CAS that may release the link
                shown = true;
            }
            if ((current & COUNT) == 1 && releaseWhenIdle && status == 'I') {
                if (PENDING.compareAndSet(this, current, RELEASED)) {
                    return true;
                }
            } else if (PENDING.compareAndSet(this, current, current - 1)) {
                return false;
            }
        }
    }

    /**
     * Server loop, after {@link #onReadyForQuery}: what the client asked that ReadyForQuery to wait for before it is
     * written to it (its new LISTEN in force on the pool's listener connection), or {@code null}.
     */
    public CompletionStage<?> readyWait() {
        return readyWait;
    }

    /**
     * Client loop, when the client wants the server no more while it may still be linked (an idle client in
     * transaction mode, the welcome server): detaches it if it is idle and outside a transaction.
     */
    public boolean detachIfIdle() {
        // Read pending first: once it is 0 the status is that of the last ReadyForQuery, and only this (client)
        // loop can move pending off 0 again. Reading the status first would race with a 'T' reply still arriving.
        int current = pending;
        return current != RELEASED && (current & COUNT) == 0 && transactionStatus == 'I'
                && PENDING.compareAndSet(this, current, RELEASED);
    }

    /** What a leaving client must do with the server of this link; see {@link #abandon}. */
    public enum Abandoned {
        /** Idle and outside a transaction: give it back to the pool. */
        CLEAN,
        /**
         * A request (the client's, or the pooler's setup query) is outstanding or a transaction is open: close it,
         * never hand it to anyone dirty.
         */
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
            byte status = transactionStatus; // stable when nothing is due, see detachIfIdle
            if (PENDING.compareAndSet(this, current, RELEASED)) {
                // the pooler's setup query (syncParameters) may still be unanswered: its reply must not reach an
                // idle server, nor the server's next client
                return (current & COUNT) == 0 && status == 'I' && !setupPending ? Abandoned.CLEAN : Abandoned.DIRTY;
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
