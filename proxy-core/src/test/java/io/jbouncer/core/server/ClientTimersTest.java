package io.jbouncer.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jbouncer.core.client.ClientTimeouts;
import io.jbouncer.core.state.ClientState;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientTimeouts#expired}: which of PgBouncer's client timers fires, at a clock the test chooses. In this
 * package because the links it judges are made here.
 */
class ClientTimersTest {
    private static final long SECOND = 1_000_000_000L;
    private static final ClientTimeouts ALL_ONE_SECOND = new ClientTimeouts(SECOND, SECOND, SECOND, SECOND);

    @Test
    void aQueuedClientCountsQueryTimeoutFromWhenItStartedWaiting() {
        long start = 5 * SECOND;
        assertNull(ALL_ONE_SECOND.expired(ClientState.CL_WAITING, start + SECOND / 2, 0, start, null));
        assertEquals("query_timeout", ALL_ONE_SECOND.expired(ClientState.CL_WAITING, start + SECOND, 0, start, null));
    }

    @Test
    void aClientWaitingForItsWelcomeOrLoggingInIsNotTimedHere() {
        for (ClientState state : new ClientState[] {ClientState.CL_WAITING_LOGIN, ClientState.CL_LOGIN}) {
            assertNull(ALL_ONE_SECOND.expired(state, 100 * SECOND, 0, 0, null), state.name());
        }
    }

    @Test
    void anUnlinkedClientCountsClientIdleTimeoutFromItsLastByte() {
        assertNull(ALL_ONE_SECOND.expired(ClientState.CL_ACTIVE, 2 * SECOND - 1, SECOND, 0, null));
        assertEquals("client_idle_timeout", ALL_ONE_SECOND.expired(ClientState.CL_ACTIVE, 2 * SECOND, SECOND, 0, null));
        assertNull(new ClientTimeouts(0, 0, 0, 0).expired(ClientState.CL_ACTIVE, 100 * SECOND, 0, 0, null));
    }

    @Test
    void aRunningRequestCountsQueryTimeout() {
        long now = System.nanoTime();
        Link link = new Link(null, null, now);
        link.beforeForward((byte) 'Q', now);
        assertNull(ALL_ONE_SECOND.expired(ClientState.CL_ACTIVE, now, now, 0, link));
        assertEquals("query timeout", ALL_ONE_SECOND.expired(ClientState.CL_ACTIVE, now + 2 * SECOND, now, 0, link));
        // A linked client is never idle-timed, however long since its last byte.
        assertNull(new ClientTimeouts(0, SECOND, 0, 0).expired(ClientState.CL_ACTIVE, now + 9 * SECOND, now, 0, link));
    }

    /**
     * PgBouncer 1.25's janitor counts query_timeout from the request's start (the client's query_start): what the
     * client sends while its request runs (a replication client's status updates in its COPY-both stream) does not
     * extend it.
     */
    @Test
    void queryTimeoutCountsFromTheRequestsStartHoweverTheClientKeepsSending() {
        long start = System.nanoTime();
        Link link = new Link(null, null, start);
        link.beforeForward((byte) 'Q', start); // START_REPLICATION: no ReadyForQuery until the stream ends
        ClientTimeouts queryOnly = new ClientTimeouts(SECOND, 0, 0, 0);
        assertNull(queryOnly.expired(ClientState.CL_ACTIVE, start, start, 0, link));
        long later = start + 2 * SECOND;
        link.beforeForward((byte) 'd', later); // a status update, part of the same request
        assertEquals("query timeout", queryOnly.expired(ClientState.CL_ACTIVE, later, later, 0, link),
                "the client's last byte just now does not count");
    }

    /** PgBouncer times every server that is not ready: a long request outside a transaction counts too. */
    @Test
    void aLongRequestOutsideATransactionCountsTransactionTimeout() {
        long start = System.nanoTime();
        Link link = new Link(null, null, start);
        link.beforeForward((byte) 'Q', start);
        ClientTimeouts transactionOnly = new ClientTimeouts(0, 0, 0, SECOND);
        assertNull(transactionOnly.expired(ClientState.CL_ACTIVE, start, start, 0, link));
        assertEquals("transaction timeout",
                transactionOnly.expired(ClientState.CL_ACTIVE, start + 2 * SECOND, start + 2 * SECOND, 0, link));
        link.onReadyForQuery((byte) 'I', false, start + 3 * SECOND);
        assertNull(transactionOnly.expired(ClientState.CL_ACTIVE, start + 9 * SECOND, start, 0, link),
                "idle outside a transaction: nothing to time");
    }

    @Test
    void anIdleTransactionCountsFromTheLastReadyForQuery() {
        long start = System.nanoTime();
        Link link = new Link(null, null, start);
        link.beforeForward((byte) 'Q', start);
        long now = start + 5 * SECOND;
        link.onReadyForQuery((byte) 'T', true, now);
        ClientTimeouts idleOnly = new ClientTimeouts(0, 0, SECOND, 0);
        assertNull(idleOnly.expired(ClientState.CL_ACTIVE, now, 0, 0, link));
        assertEquals("idle transaction timeout", idleOnly.expired(ClientState.CL_ACTIVE, now + 2 * SECOND, 0, 0, link));
    }

    @Test
    void aTransactionCountsTransactionTimeoutFromItsStartEvenWhileBusy() {
        long start = System.nanoTime();
        Link link = new Link(null, null, start);
        link.beforeForward((byte) 'Q', start);
        link.onReadyForQuery((byte) 'T', true, start + SECOND / 4);
        long now = start + SECOND / 2;
        link.beforeForward((byte) 'Q', now); // busy again inside the transaction
        ClientTimeouts transactionOnly = new ClientTimeouts(0, 0, 0, SECOND);
        assertNull(transactionOnly.expired(ClientState.CL_ACTIVE, now, 0, 0, link));
        assertEquals("transaction timeout",
                transactionOnly.expired(ClientState.CL_ACTIVE, start + SECOND, 0, 0, link),
                "from the transaction's start, not from the second request's");
    }
}
