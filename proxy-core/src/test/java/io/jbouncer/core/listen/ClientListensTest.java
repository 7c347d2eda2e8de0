package io.jbouncer.core.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When a recorded LISTEN/UNLISTEN takes effect: the request cycles and transaction outcomes ClientListens reads
 * from the server's replies. The pool's listener connection cannot open here (the launcher opens nothing), which
 * only means a subscription's wait ends at once.
 */
class ClientListensTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** Whether the client holds no server now (notifications go out at once) or holds one (they wait). */
    private boolean betweenServerReplies = true;
    private final ClientListens listens = new ClientListens(new ClientListens.Client() {
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
            return betweenServerReplies;
        }

        @Override
        public void closeWithError(ErrorResponse error) {
            throw new AssertionError(error.message());
        }
    }, ListenTestPool.create().listener(), 10);

    @AfterEach
    void close() {
        listens.close();
        channel.finishAndReleaseAll();
    }

    @Test
    void listenOutsideATransactionTakesEffectAtItsReadyForQuery() {
        send('Q', "LISTEN Jobs");
        assertTrue(listens.watching());
        reply('C', "LISTEN");
        assertEquals(List.of(), listens.channels(), "not before the ReadyForQuery");
        CompletableFuture<Void> wait = ready('I');
        assertNotNull(wait, "the ReadyForQuery waits for the listener connection");
        assertTrue(wait.isDone(), "a connection attempt that failed at once ends the wait (the NOTICE comes later)");
        assertEquals(List.of("jobs"), listens.channels());
        assertFalse(listens.watching());
    }

    @Test
    void rolledBackAndFailedTransactionsSubscribeNothingCommittedOnesDo() {
        send('Q', "BEGIN");
        ready('T');
        send('Q', "LISTEN rolled_back");
        reply('C', "LISTEN");
        assertNull(ready('T'));
        send('Q', "ROLLBACK");
        reply('C', "ROLLBACK");
        ready('I');

        send('Q', "LISTEN failed; SELECT 1/0");
        reply('C', "LISTEN");
        reply('E', null);
        ready('I');

        send('Q', "BEGIN; LISTEN committed");
        reply('C', "BEGIN");
        reply('C', "LISTEN");
        ready('T');
        send('Q', "COMMIT");
        reply('C', "COMMIT");
        ready('I');
        assertEquals(List.of("committed"), listens.channels());
    }

    @Test
    void anEarlierPipelinedRequestDoesNotDecideALaterListen() {
        send('Q', "SELECT 1");
        send('Q', "LISTEN later");
        reply('C', "SELECT 1");
        assertNull(ready('I'), "the SELECT's ReadyForQuery");
        assertEquals(List.of(), listens.channels());
        reply('C', "LISTEN");
        reply('E', null); // this one failed after all
        ready('I');
        assertEquals(List.of(), listens.channels());
    }

    @Test
    void extendedProtocolBatchCountsAsOneCycleAndUnlistenAllEndsEverything() {
        send('P', "LISTEN a");
        send('B', null);
        send('E', null);
        send('S', null);
        send('Q', "LISTEN b");
        reply('C', "LISTEN");
        ready('I');
        assertEquals(List.of("a"), listens.channels());
        reply('C', "LISTEN");
        ready('I');
        assertEquals(List.of("a", "b"), listens.channels().stream().sorted().toList());

        send('Q', "UNLISTEN *");
        reply('C', "UNLISTEN");
        assertNull(ready('I'), "an UNLISTEN waits for nothing");
        assertEquals(List.of(), listens.channels());
    }

    @Test
    void aClientThatNeverListensAllocatesNoCollections() throws IllegalAccessException {
        send('Q', "SELECT 1");
        reply('C', "SELECT 1");
        assertNull(ready('I'));
        send('P', "SELECT 2");
        send('S', null);
        assertNull(ready('I'));
        assertEquals(List.of(), listens.channels());
        assertEquals(List.of(), collectionsAllocated(), "an idle or non-listening client holds only the object");

        send('Q', "LISTEN jobs");
        ready('I');
        assertEquals(List.of("jobs"), listens.channels(), "the first LISTEN works without the collections made ahead");
    }

    @Test
    void notificationsWhileTheClientHoldsAServerWaitAndGoOutInOrderAfterItsRelease() {
        betweenServerReplies = false;
        listens.deliver(notification("first"));
        listens.deliver(notification("second"));
        channel.runPendingTasks();
        assertNull(channel.readOutbound(), "held while a server's replies are being forwarded");

        betweenServerReplies = true;
        listens.serverReleased();
        channel.runPendingTasks();
        assertEquals("first", nextChannelWritten());
        assertEquals("second", nextChannelWritten());
        listens.deliver(notification("third"));
        channel.runPendingTasks();
        assertEquals("third", nextChannelWritten(), "with nothing held, a notification goes out at once");
    }

    @Test
    void notificationsHeldAtCloseAreReleased() {
        betweenServerReplies = false;
        ByteBuf held = notification("dropped");
        listens.deliver(held);
        channel.runPendingTasks();
        listens.close();
        assertEquals(0, held.refCnt());
    }

    private String nextChannelWritten() {
        ByteBuf written = channel.readOutbound();
        try {
            return ClientListens.channelOf(written);
        } finally {
            written.release();
        }
    }

    private static ByteBuf notification(String channelName) {
        return message('A', out -> {
            out.writeInt(42); // the notifying backend's pid
            PgBuf.writeCString(out, channelName);
            PgBuf.writeCString(out, "");
        });
    }

    /** The names of the collection fields the object has created so far. */
    private List<String> collectionsAllocated() throws IllegalAccessException {
        List<String> allocated = new ArrayList<>();
        for (Field field : ClientListens.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) && Collection.class.isAssignableFrom(field.getType())) {
                field.setAccessible(true);
                if (field.get(listens) != null) {
                    allocated.add(field.getName());
                }
            }
        }
        return allocated;
    }

    // ---- messages --------------------------------------------------------------------------------------------

    /** The client forwards a message; a Query or Parse carries {@code sql}. */
    private void send(char tag, String sql) {
        ByteBuf message = message(tag, out -> {
            if (tag == 'P') {
                PgBuf.writeCString(out, ""); // unnamed statement
            }
            if (sql != null) {
                PgBuf.writeCString(out, sql);
            }
        });
        try {
            listens.forwarding((byte) tag, message.readableBytes() - 1, message);
        } finally {
            message.release();
        }
    }

    private void reply(char tag, String text) {
        ByteBuf message = message(tag, out -> PgBuf.writeCString(out, text == null ? "" : text));
        try {
            if (listens.watching()) {
                listens.serverReplied((byte) tag, message);
            }
        } finally {
            message.release();
        }
    }

    private CompletableFuture<Void> ready(char status) {
        return listens.readyForQuery((byte) status);
    }

    private static ByteBuf message(char tag, Consumer<ByteBuf> body) {
        ByteBuf out = Unpooled.buffer();
        int length = PgBuf.beginMessage(out, tag);
        body.accept(out);
        PgBuf.endMessage(out, length);
        return out;
    }
}
