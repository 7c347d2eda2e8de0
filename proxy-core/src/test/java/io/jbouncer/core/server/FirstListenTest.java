package io.jbouncer.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.listen.ClientListens;
import io.jbouncer.core.listen.ListenFollower;
import io.jbouncer.core.listen.ListenTestPool;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client's LISTEN state created at its first LISTEN ({@link ClientListens}, "Created at the first LISTEN") while
 * requests sent before it are still unanswered on its link ({@link Link}, "Watched ReadyForQuery replies"): the
 * LISTEN takes effect at its own request's ReadyForQuery, never at an earlier one's, whichever loop gets there
 * first. The client here forwards through {@link ListenFollower}, as {@code ClientConnection} does.
 */
class FirstListenTest {

    /** Shared: its listener connection fails once, and is not tried again (the test pool schedules nothing). */
    private static final Pool POOL = ListenTestPool.create();
    /** The linked server, never connected: a link only tells it that it ran a LISTEN. */
    private static final ServerConnection SERVER = new ServerConnection(POOL, POOL.nextAddress(), POOL.credentials(),
            POOL.target().startupParameters(), 8192);

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Client client = new Client();
    private final Link link = new Link(client, SERVER, 0);
    /** Requests the client has written to the server (its stress test). */
    private final AtomicInteger written = new AtomicInteger();

    @AfterEach
    void close() {
        ListenFollower follower = client.listening;
        if (follower != null) {
            follower.listens().close();
        }
        channel.finishAndReleaseAll();
    }

    @Test
    void aClientThatNeverListensIsShownNoReadyForQuery() {
        for (int i = 0; i < 3; i++) {
            client.send('Q', "SELECT 1");
            client.send('P', "SELECT 'listen'");
            client.send('S', null);
            assertFalse(link.onReadyForQuery((byte) 'I', false, 0));
            assertFalse(link.onReadyForQuery((byte) 'I', false, 0));
            assertNull(link.readyWait());
        }
        assertNull(client.listening, "no LISTEN state: the replies went by on a flag test");
    }

    @Test
    void requestsStillUnansweredAtTheFirstListenAreCountedBeforeIt() {
        client.send('Q', "SELECT 1");
        client.send('Q', "SELECT 2");
        client.send('Q', "LISTEN jobs");
        assertNull(ready('I'), "SELECT 1's ReadyForQuery, shown to the new state");
        assertNull(ready('I'), "SELECT 2's");
        assertEquals(List.of(), client.listening.listens().channels(), "not before the LISTEN's own reply");
        reply('C', "LISTEN");
        assertNotNull(ready('I'), "the LISTEN's ReadyForQuery waits for the listener connection");
        assertEquals(List.of("jobs"), client.listening.listens().channels());
    }

    @Test
    void repliesAnsweredBeforeTheFirstListenAreShownToNobody() {
        client.send('Q', "SELECT 1");
        assertNull(ready('I'));
        client.send('Q', "SELECT 2");
        client.send('Q', "LISTEN jobs");
        assertNull(ready('I'), "SELECT 2's");
        assertEquals(List.of(), client.listening.listens().channels());
        assertNotNull(ready('I'));
        assertEquals(List.of("jobs"), client.listening.listens().channels());
    }

    @Test
    void aFirstListenInsideAnOpenBatchBelongsToThatBatchsReply() {
        client.send('P', "SELECT 1");
        client.send('S', null);
        client.send('P', "SELECT 2");
        client.send('P', "LISTEN jobs");
        client.send('S', null);
        assertNull(ready('I'), "the first batch's ReadyForQuery");
        assertEquals(List.of(), client.listening.listens().channels());
        assertNotNull(ready('I'), "the batch with the LISTEN");
        assertEquals(List.of("jobs"), client.listening.listens().channels());
    }

    @Test
    void aPipelinedRollbackDropsTheFirstListenAndALaterBatchCountsItsSync() {
        client.send('P', "SELECT 1");
        client.send('S', null);
        client.send('Q', "BEGIN");
        client.send('Q', "LISTEN rolled_back");
        client.send('Q', "ROLLBACK");
        client.send('P', "LISTEN kept");
        client.send('S', null);
        assertNull(ready('I'));
        assertNull(ready('T'));
        reply('C', "LISTEN");
        assertNull(ready('T'));
        reply('C', "ROLLBACK");
        assertNull(ready('I'), "rolled back: nothing to wait for");
        assertEquals(List.of(), client.listening.listens().channels(),
                "neither the rolled-back LISTEN nor the one after it");
        reply('C', "LISTEN");
        assertNotNull(ready('I'));
        assertEquals(List.of("kept"), client.listening.listens().channels());
    }

    @Test
    void aLinkReleasedBeforeTheFirstListenLeavesItToTheNextLinkWatchedFromItsStart() {
        client.send('Q', "SELECT 1");
        assertTrue(link.onReadyForQuery((byte) 'I', true, 0), "released");
        ByteBuf listen = query('Q', "LISTEN jobs");
        try {
            assertFalse(client.forward(link, (byte) 'Q', listen), "not written to the released server");
        } finally {
            listen.release();
        }
        assertNotNull(client.listening, "the state stays for the next server, which watches from its start");
        Link next = new Link(client, SERVER, 0);
        next.watchFromStart();
        client.send(next, 'Q', "LISTEN jobs");
        assertTrue(next.onReadyForQuery((byte) 'I', true, 0));
        assertNotNull(next.readyWait());
        assertEquals(List.of("jobs"), client.listening.listens().channels());
    }

    /**
     * The two loops race: the client sends a few requests and then its first LISTEN while the server answers each
     * request the instant it is written (a request cannot be answered before: its reply races only with what the
     * client does after it). Whatever the interleaving, the subscription appears exactly at the
     * LISTEN's own ReadyForQuery, and that one is held back for the listener connection.
     */
    @Test
    @Timeout(120)
    void theFirstListenTakesEffectAtItsOwnReplyWhateverTheServerLoopDoesMeanwhile() throws Exception {
        ExecutorService server = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 20_000; round++) {
                FirstListenTest test = new FirstListenTest();
                try {
                    int before = round % 3;
                    Future<Integer> subscribedAt = server.submit(() -> test.answer(before + 1));
                    for (int i = 0; i < before; i++) {
                        test.client.send('Q', "SELECT 1");
                        test.written.incrementAndGet();
                    }
                    test.client.send('Q', "LISTEN jobs");
                    test.written.incrementAndGet();
                    assertEquals(before + 1, subscribedAt.get(60, TimeUnit.SECONDS),
                            "the ReadyForQuery (1-based, held back) at which the subscription began, after " + before
                                    + " earlier requests");
                } finally {
                    test.close();
                }
            }
        } finally {
            server.shutdownNow();
        }
    }

    /**
     * Server side: answers {@code replies} requests, each as soon as it is {@link #written}. Returns the 1-based reply
     * at which the client got subscribed, negative when that reply was not held back for it.
     */
    private int answer(int replies) {
        for (int reply = 1; reply <= replies; reply++) {
            while (written.get() < reply) {
                Thread.onSpinWait();
            }
            for (int jitter = ThreadLocalRandom.current().nextInt(200); jitter > 0; jitter--) {
                Thread.onSpinWait(); // lands the answer at a different step of the client's next message each time
            }
            link.onReadyForQuery((byte) 'I', false, 0);
            ListenFollower follower = client.listening;
            if (follower != null && !follower.listens().channels().isEmpty()) {
                return link.readyWait() == null ? -reply : reply;
            }
        }
        return 0;
    }

    private CompletionStage<?> ready(char status) {
        link.onReadyForQuery((byte) status, false, 0);
        return link.readyWait();
    }

    private void reply(char tag, String text) {
        ByteBuf message = message(tag, out -> PgBuf.writeCString(out, text));
        try {
            ListenFollower follower = client.listening;
            if (follower.watchesReply()) { // as the server loop asks the client (ClientPeer.watchesReply)
                follower.serverReplied((byte) tag, message);
            }
        } finally {
            message.release();
        }
    }

    private static ByteBuf query(char tag, String sql) {
        return message(tag, out -> {
            if (tag == 'P') {
                PgBuf.writeCString(out, ""); // unnamed statement
            }
            if (sql != null) {
                PgBuf.writeCString(out, sql);
            }
        });
    }

    private static ByteBuf message(char tag, Consumer<ByteBuf> body) {
        ByteBuf out = Unpooled.buffer();
        int length = PgBuf.beginMessage(out, tag);
        body.accept(out);
        PgBuf.endMessage(out, length);
        return out;
    }

    /** The client: what {@code ClientConnection} does around its link and its LISTEN side. */
    private final class Client implements ClientPeer, ClientListens.Client {
        volatile ListenFollower listening;

        void send(char tag, String sql) {
            send(link, tag, sql);
        }

        void send(Link to, char tag, String sql) {
            ByteBuf message = query(tag, sql);
            try {
                assertTrue(forward(to, (byte) tag, message), "'" + tag + "' forwarded");
            } finally {
                message.release();
            }
        }

        /** As ClientConnection.beforeForward: through the client's follower from its first LISTEN on. */
        boolean forward(Link to, byte tag, ByteBuf message) {
            int length = message.readableBytes() - 1;
            ListenFollower follower = listening;
            if (follower != null) {
                return follower.beforeForward(to, tag, length, message, 0);
            }
            if (ClientListens.readsWhole(tag, length) && ClientListens.startsListening(tag, length, message)) {
                return new ListenFollower(this, POOL.listener(), 10).firstListen(to, tag, length, message, 0,
                        started -> listening = started);
            }
            return to.beforeForward(tag, 0);
        }

        /** The one LISTEN callback a link makes itself: at each ReadyForQuery of a watched link. */
        @Override
        public CompletionStage<?> readyForQuery(byte status) {
            return listening.readyForQuery(status);
        }

        @Override
        public Channel channel() {
            return channel;
        }

        @Override
        public EventExecutor executor() {
            return channel.eventLoop();
        }

        @Override
        public boolean betweenServerReplies() {
            return true;
        }

        @Override
        public void closeWithError(ErrorResponse error) {
            throw new AssertionError(error.message());
        }

        @Override
        public void serverFailed(ErrorResponse error) {
            throw new AssertionError(error.message());
        }

        @Override
        public void parameterChanged(String name, String value) {
        }
    }
}
