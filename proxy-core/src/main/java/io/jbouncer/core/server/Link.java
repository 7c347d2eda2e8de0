package io.jbouncer.core.server;

import java.util.concurrent.atomic.AtomicInteger;

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

    private final ClientPeer client;
    private final ServerConnection server;
    private final AtomicInteger pending = new AtomicInteger();
    /** Client loop only: an extended-protocol batch was counted and its Sync not yet sent. */
    private boolean batchOpen;
    /** Transaction status of the last ReadyForQuery; written by the server loop before it decrements pending. */
    private volatile byte transactionStatus = 'I';

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

    /**
     * Client loop: accounts for a message about to be forwarded. Returns {@code false} when the server has been
     * released or lost: the message must then not be written to it.
     */
    public boolean beforeForward(byte tag) {
        boolean batchMessage = isBatchMessage(tag);
        int expected;
        if (tag == 'Q' || tag == 'F') {
            expected = 1;
        } else if (batchMessage || tag == 'S') {
            expected = batchOpen ? 0 : 1; // a batch's one ReadyForQuery is counted at its first message
        } else {
            expected = 0; // CopyData/CopyDone/CopyFail belong to the Query that started the COPY
        }
        while (true) {
            int current = pending.get();
            if (current == RELEASED) {
                return false;
            }
            if (expected == 0 || pending.compareAndSet(current, current + expected)) {
                if (batchMessage) {
                    batchOpen = true;
                } else if (tag == 'S') {
                    batchOpen = false;
                }
                return true;
            }
        }
    }

    /**
     * Server loop: a ReadyForQuery arrived. Returns {@code true} when the server is released by it: nothing is
     * outstanding, the session is idle and {@code releaseWhenIdle} (transaction or statement mode).
     */
    public boolean onReadyForQuery(byte status, boolean releaseWhenIdle) {
        transactionStatus = status;
        while (true) {
            int current = pending.get();
            if (current <= 0) {
                return false; // released meanwhile, or an unsolicited ReadyForQuery: nothing to account
            }
            if (current == 1 && releaseWhenIdle && status == 'I') {
                if (pending.compareAndSet(1, RELEASED)) {
                    return true;
                }
            } else if (pending.compareAndSet(current, current - 1)) {
                return false;
            }
        }
    }

    /**
     * Client loop, when the client leaves: detaches the server if it is idle and outside a transaction, so it can
     * be reused. Returns {@code false} when a request is outstanding or a transaction is open: the server must then
     * be closed, never handed to another client dirty.
     */
    public boolean detachIfIdle() {
        return transactionStatus == 'I' && pending.compareAndSet(0, RELEASED);
    }

    /** Any thread: the server is going away; the client must not write to it any more. */
    public void invalidate() {
        pending.set(RELEASED);
    }

    public byte transactionStatus() {
        return transactionStatus;
    }

    private static boolean isBatchMessage(byte tag) {
        return tag == 'P' || tag == 'B' || tag == 'E' || tag == 'D' || tag == 'C' || tag == 'H';
    }
}
