package io.jbouncer.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LinkTest {
    private static final boolean TRANSACTION_MODE = true;
    private static final boolean SESSION_MODE = false;

    private final Link link = new Link(null, null, 0);

    private void send(String tags) {
        for (char tag : tags.toCharArray()) {
            assertTrue(link.beforeForward((byte) tag, 0), "'" + tag + "' may be forwarded");
        }
    }

    @Test
    void simpleQueryIsReleasedAtIdleReadyForQuery() {
        send("Q");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
        assertFalse(link.beforeForward((byte) 'Q', 0), "a released link takes no more messages");
    }

    @Test
    void functionCallCountsLikeAQuery() {
        send("F");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void extendedBatchIsCountedOnce() {
        send("PBDES");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0), "one ReadyForQuery answers the batch");
    }

    @Test
    void batchWithCloseAndFlushIsCountedOnce() {
        send("PBEHCS");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void syncAloneIsAnsweredByOneReadyForQuery() {
        send("S");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void pipelinedBatchesEachExpectTheirReadyForQuery() {
        send("PBESBES");
        assertFalse(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0), "the second batch is outstanding");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void pipelinedQueriesAreReleasedAtTheLastReply() {
        send("QQQ");
        assertFalse(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
        assertFalse(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void queryThenBatchPipelined() {
        send("QPBES");
        assertFalse(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void copyDataBelongsToItsQuery() {
        send("Qdddc");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void copyFailBelongsToItsQuery() {
        send("Qdf");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void notReleasedInsideATransaction() {
        send("Q");
        assertFalse(link.onReadyForQuery((byte) 'T', TRANSACTION_MODE, 0));
        assertEquals('T', link.transactionStatus());
        send("Q");
        assertFalse(link.onReadyForQuery((byte) 'E', TRANSACTION_MODE, 0));
        send("Q");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
    }

    @Test
    void sessionModeNeverReleasesAtReadyForQuery() {
        send("Q");
        assertFalse(link.onReadyForQuery((byte) 'I', SESSION_MODE, 0));
        assertTrue(link.beforeForward((byte) 'Q', 0), "still linked");
    }

    @Test
    void unsolicitedReadyForQueryChangesNothing() {
        assertFalse(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
        send("Q");
        assertTrue(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0), "the count did not go negative");
    }

    @Test
    void detachIfIdleWhenNothingPendingOutsideATransaction() {
        send("Q");
        assertFalse(link.onReadyForQuery((byte) 'I', SESSION_MODE, 0));
        assertTrue(link.detachIfIdle());
        assertFalse(link.beforeForward((byte) 'Q', 0), "detached: no more writes");
        assertFalse(link.detachIfIdle(), "detached only once");
    }

    @Test
    void freshLinkDetaches() {
        assertTrue(link.detachIfIdle());
    }

    @Test
    void noDetachWithARequestOutstanding() {
        send("Q");
        assertFalse(link.detachIfIdle());
        assertFalse(link.onReadyForQuery((byte) 'I', SESSION_MODE, 0), "the link was left alone");
        assertTrue(link.detachIfIdle());
    }

    @Test
    void noDetachWithAnUnsyncedBatchOutstanding() {
        send("PBE");
        assertFalse(link.detachIfIdle());
    }

    @Test
    void noDetachInsideATransaction() {
        send("Q");
        assertFalse(link.onReadyForQuery((byte) 'T', SESSION_MODE, 0));
        assertFalse(link.detachIfIdle());
        assertTrue(link.beforeForward((byte) 'Q', 0), "still linked after a refused detach");
    }

    @Test
    void aLinkLeftWhileThePoolersSetupQueryIsUnansweredIsDirty() {
        link.expectSetupReply();
        assertEquals(Link.Abandoned.DIRTY, link.abandon(), "its reply would reach an idle server");
    }

    @Test
    void aLinkLeftAfterTheSetupReplyIsClean() {
        link.expectSetupReply();
        link.setupReplied();
        assertEquals(Link.Abandoned.CLEAN, link.abandon());
    }

    @Test
    void invalidateStopsEverything() {
        send("Q");
        link.invalidate();
        assertFalse(link.beforeForward((byte) 'Q', 0));
        assertFalse(link.beforeForward((byte) 'd', 0), "not even uncounted messages");
        assertFalse(link.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0));
        assertFalse(link.detachIfIdle());
    }

    @Test
    void terminateIsNotCounted() {
        send("X");
        assertTrue(link.detachIfIdle());
    }

    /**
     * The client loop pipelines requests while the server loop answers them, each on its own thread, over many
     * links. A model server answers only requests it has received (a queue stands for the socket), one
     * ReadyForQuery per Query or per Sync. The invariant: a link is released only by the answer to the last
     * request accepted for it, so when both sides are done every accepted request was answered and none is left
     * in the socket. The test cannot be flaky: every interleaving must satisfy it, and both sides always finish
     * (the client stops at a refusal or after its requests, the server at the release, which the last answer
     * always causes because every status is 'I').
     */
    @Test
    @Timeout(60)
    void neverReleasedWhileARequestIsOutstanding() throws Exception {
        int rounds = 20_000;
        ExecutorService serverLoop = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < rounds; round++) {
                Link shared = new Link(null, null, 0);
                BlockingQueue<Character> socket = new ArrayBlockingQueue<>(64);
                SynchronousQueue<Integer> go = new SynchronousQueue<>();
                Future<Integer> answered = serverLoop.submit(() -> serve(shared, socket, go));
                int accepted = pipeline(shared, socket, round, go);
                assertEquals(accepted, answered.get(10, TimeUnit.SECONDS).intValue(),
                        "round " + round + ": released before every accepted request was answered");
                assertTrue(socket.isEmpty(), "round " + round + ": a request was left unanswered");
                assertFalse(shared.beforeForward((byte) 'Q', 0), "round " + round + ": released for good");
            }
        } finally {
            serverLoop.shutdownNow();
            assertTrue(serverLoop.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** Client side: sends up to 8 requests (Queries and P/B/E/S batches) until the link refuses one. */
    private static int pipeline(Link shared, BlockingQueue<Character> socket, int round, SynchronousQueue<Integer> go)
            throws InterruptedException {
        go.put(round);
        int accepted = 0;
        for (int i = 0; i < 8; i++) {
            boolean batch = ((round >> i) & 1) == 1;
            if (batch) {
                if (!shared.beforeForward((byte) 'P', 0)) {
                    break;
                }
                // Once a batch is counted, the link cannot be released before its Sync is answered.
                assertTrue(shared.beforeForward((byte) 'B', 0));
                assertTrue(shared.beforeForward((byte) 'E', 0));
                assertTrue(shared.beforeForward((byte) 'S', 0));
                socket.put('S');
            } else {
                if (!shared.beforeForward((byte) 'Q', 0)) {
                    break;
                }
                socket.put('Q');
            }
            accepted++;
        }
        return accepted;
    }

    /** Server side: answers each received request with an idle ReadyForQuery until the link is released. */
    private static int serve(Link shared, BlockingQueue<Character> socket, SynchronousQueue<Integer> go)
            throws InterruptedException {
        go.take();
        int answered = 0;
        while (true) {
            socket.take();
            answered++;
            if (shared.onReadyForQuery((byte) 'I', TRANSACTION_MODE, 0)) {
                return answered;
            }
        }
    }

    /**
     * A client leaving while its server's reply to "BEGIN" arrives must never detach that server: the server is
     * then inside a transaction. {@code detachIfIdle} reads the status before its CAS, so it can read the old 'I',
     * lose the race to the ReadyForQuery 'T' (status written, count 1 to 0), and then win the CAS on 0.
     * The test hunts for that interleaving; it passes on a correct Link whatever the timing. Each round needs both
     * threads on a core, so the hunt is bounded by time as well as rounds: on a loaded 2-core machine it gets fewer.
     */
    @Test
    @Timeout(60)
    void neverDetachedWhenTheReplyOpensATransaction() throws Exception {
        int rounds = 2_000_000;
        long huntUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        AtomicReference<Link> current = new AtomicReference<>();
        AtomicInteger serverRound = new AtomicInteger(-1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread server = new Thread(() -> {
            for (int round = 0; round < rounds && !stop.get(); round++) {
                Link l;
                while ((l = current.get()) == null || serverRound.get() != round - 1) {
                    Thread.onSpinWait();
                    if (stop.get()) {
                        return;
                    }
                }
                l.onReadyForQuery((byte) 'T', SESSION_MODE, 0);
                current.compareAndSet(l, null);
                serverRound.set(round);
            }
        });
        server.start();
        int detachedInTransaction = 0;
        try {
            for (int round = 0; round < rounds; round++) {
                Link l = new Link(null, null, 0);
                assertTrue(l.beforeForward((byte) 'Q', 0)); // BEGIN
                while (serverRound.get() != round - 1) {
                    Thread.onSpinWait();
                }
                current.set(l);
                if (l.detachIfIdle()) {
                    detachedInTransaction++;
                    break;
                }
                if (System.nanoTime() > huntUntil) {
                    stop.set(true); // the server thread may be waiting for the next round
                    break;
                }
            }
        } finally {
            stop.set(true);
            server.join(10_000);
        }
        assertEquals(0, detachedInTransaction, "a server inside a transaction was detached for reuse");
    }
}
