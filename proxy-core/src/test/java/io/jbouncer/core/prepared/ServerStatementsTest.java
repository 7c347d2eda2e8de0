package io.jbouncer.core.prepared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.stats.DatabaseEvents;
import io.jbouncer.core.stats.PoolStats;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerStatementsTest {
    private final StatementRegistry registry = new StatementRegistry();
    private final ClientStatements client = new ClientStatements(registry, 100, 1 << 20);
    private final PoolStats stats = new PoolStats(DatabaseEvents.NONE);
    private final ServerStatements server = new ServerStatements(2, stats);

    ServerStatementsTest() {
        server.attach(client);
    }

    private SharedStatement register(String name) {
        return client.register(name, new StatementText("SELECT '" + name + "'", new int[0]));
    }

    /** Prepares each statement on the server, PostgreSQL answering each Parse with ParseComplete. */
    private void preparedOnServer(SharedStatement... statements) {
        for (SharedStatement statement : statements) {
            ByteBuf out = Unpooled.buffer();
            server.prepare(statement, out);
            sent(out);
            server.accept((byte) '1');
        }
    }

    /** What went to the server, as {@code tag:name} for Parse and Close, the tag alone otherwise. */
    private static List<String> sent(ByteBuf out) {
        List<String> messages = new ArrayList<>();
        while (out.isReadable()) {
            char tag = (char) out.readByte();
            int length = out.readInt();
            ByteBuf body = out.readSlice(length - 4);
            if (tag == 'C') {
                body.readByte();
            }
            messages.add(tag == 'P' || tag == 'C' ? tag + ":" + PgBuf.readCString(body) : String.valueOf(tag));
        }
        out.release();
        return messages;
    }

    private String synthesized() {
        ByteBuf out = server.synthesizedBefore(ByteBufAllocator.DEFAULT);
        if (out == null) {
            return "";
        }
        StringBuilder tags = new StringBuilder();
        while (out.isReadable()) {
            tags.append((char) out.readByte());
            out.skipBytes(4);
        }
        out.release();
        return tags.toString();
    }

    @Test
    void firstParseIsSentRenamedAndTheSecondIsSynthesisedInOrder() {
        SharedStatement a = register("a");
        ByteBuf out = Unpooled.buffer();
        server.parse("a", a, out);
        server.expect(RequestKind.SYNC);
        assertEquals(List.of("P:" + a.serverName()), sent(out));

        assertFalse(server.forwardUnread((byte) '1'), "a rewritten Parse is inspected: its failure is undone");
        assertEquals("", synthesized());
        assertTrue(server.accept((byte) '1'));
        assertTrue(server.accept((byte) 'Z'));

        ByteBuf none = Unpooled.buffer();
        server.parse("a", a, none);
        server.expect(RequestKind.BIND);
        server.expect(RequestKind.SYNC);
        assertEquals(List.of(), sent(none));
        assertEquals("1", synthesized(), "ParseComplete before the Bind's reply");
        assertTrue(server.accept((byte) '2'));
        assertTrue(server.forwardUnread((byte) 'Z'), "nothing special is pending any more");
        assertEquals(1, stats.snapshot().serverParseCount());
    }

    @Test
    void missingStatementGetsAHiddenParseWhoseReplyIsSwallowed() {
        SharedStatement a = register("a");
        ByteBuf out = Unpooled.buffer();
        server.prepare(a, out);
        server.expect(RequestKind.BIND);
        server.expect(RequestKind.EXECUTE);
        server.expect(RequestKind.SYNC);
        assertEquals(List.of("P:" + a.serverName()), sent(out));

        assertEquals("", synthesized());
        assertFalse(server.accept((byte) '1'), "the hidden ParseComplete is swallowed");
        assertTrue(server.forwardUnread((byte) '2'));
        assertTrue(server.forwardUnread((byte) 'C'));
        assertTrue(server.forwardUnread((byte) 'Z'));

        ByteBuf again = Unpooled.buffer();
        server.prepare(a, again);
        assertEquals(List.of(), sent(again), "prepared once per server connection");
    }

    @Test
    void fullCacheEvictsTheLeastRecentlyUsedWithASwallowedClose() {
        SharedStatement a = register("a");
        SharedStatement b = register("b");
        SharedStatement c = register("c");
        preparedOnServer(a, b);
        ByteBuf touch = Unpooled.buffer();
        server.prepare(a, touch);
        assertEquals(List.of(), sent(touch));

        ByteBuf out = Unpooled.buffer();
        server.prepare(c, out);
        assertEquals(List.of("C:" + b.serverName(), "P:" + c.serverName()), sent(out));
        assertFalse(server.accept((byte) '3'));
        assertFalse(server.accept((byte) '1'));
        assertEquals(2, server.size());
    }

    @Test
    void errorSkipsToSyncUndoingParsesAndDroppingSynthesisedReplies() {
        SharedStatement a = register("a");
        SharedStatement b = register("b");
        ByteBuf out = Unpooled.buffer();
        server.expect(RequestKind.EXECUTE);   // fails
        server.parse("a", a, out);            // skipped: sent, so un-cached and forgotten
        server.synthesize(RequestKind.CLOSE); // skipped: never synthesised
        server.expect(RequestKind.SYNC);
        server.parse("b", b, out);            // after the Sync: answered normally
        server.expect(RequestKind.SYNC);
        sent(out);

        assertEquals("", synthesized());
        assertTrue(server.accept((byte) 'E'), "errors reach the client");
        assertEquals("", synthesized(), "the Close was skipped with the rest");
        assertTrue(server.accept((byte) 'Z'));
        assertTrue(server.accept((byte) '1'));
        assertTrue(server.accept((byte) 'Z'));

        assertThrows(PgProtocolException.class, () -> client.lookup("a"));
        assertEquals(b, client.lookup("b"));
        assertEquals(1, server.size(), "only b is on the server");
    }

    @Test
    void skippedEvictionsAndReparsesAreRevertedLastFirst() {
        SharedStatement a = register("a");
        SharedStatement b = register("b");
        SharedStatement c = register("c");
        preparedOnServer(a, b);
        ByteBuf out = Unpooled.buffer();
        server.expect(RequestKind.EXECUTE); // fails: everything up to the Sync is skipped
        server.prepare(c, out);             // Close a, Parse c
        server.prepare(a, out);             // Close b, Parse a again
        server.expect(RequestKind.SYNC);
        assertEquals(List.of("C:" + a.serverName(), "P:" + c.serverName(), "C:" + b.serverName(),
                "P:" + a.serverName()), sent(out));

        assertTrue(server.accept((byte) 'E'));
        assertTrue(server.accept((byte) 'Z'));

        ByteBuf none = Unpooled.buffer();
        server.prepare(a, none);
        server.prepare(b, none);
        assertEquals(List.of(), sent(none), "a and b are still on the server, as before the failed pipeline");
    }

    @Test
    void errorBeforeTheSyncIsQueuedKeepsSkippingUntilItIs() {
        SharedStatement a = register("a");
        server.expect(RequestKind.EXECUTE);
        assertTrue(server.accept((byte) 'E'));
        ByteBuf out = Unpooled.buffer();
        server.parse("a", a, out); // sent after the error: the server skips it
        server.expect(RequestKind.SYNC);
        sent(out);

        assertFalse(server.forwardUnread((byte) 'Z'), "still skipping: inspected");
        assertEquals("", synthesized());
        assertTrue(server.accept((byte) 'Z'));
        assertEquals(0, server.size());
        assertThrows(PgProtocolException.class, () -> client.lookup("a"));
    }

    @Test
    void failedHiddenParseReachesTheClientAndIsUncached() {
        SharedStatement a = register("a");
        ByteBuf out = Unpooled.buffer();
        server.prepare(a, out);
        server.expect(RequestKind.BIND);
        server.expect(RequestKind.SYNC);
        sent(out);

        assertTrue(server.accept((byte) 'E'));
        assertTrue(server.accept((byte) 'Z'));
        assertEquals(0, server.size());
    }

    @Test
    void synthesisedRepliesAloneAreReportedForTheServerLoopToWrite() {
        register("a");
        client.close("a");
        server.synthesize(RequestKind.CLOSE);
        assertTrue(server.onlySynthesizedPending());
        assertEquals("3", synthesized());
        assertFalse(server.onlySynthesizedPending());
        assertNull(server.synthesizedBefore(ByteBufAllocator.DEFAULT));
    }

    @Test
    void discardAllClearsBothSidesButKeepsParsesQueuedBehindIt() {
        SharedStatement a = register("a");
        SharedStatement b = register("b");
        ByteBuf out = Unpooled.buffer();
        server.parse("a", a, out);
        server.expect(RequestKind.SYNC);
        server.expect(RequestKind.QUERY); // DISCARD ALL
        server.parse("b", b, out);
        server.expect(RequestKind.SYNC);
        sent(out);
        server.accept((byte) '1');
        server.accept((byte) 'Z');

        server.accept((byte) 'C');
        server.discardAll();
        server.accept((byte) 'Z');

        assertEquals(1, server.size(), "b's Parse runs after the DISCARD ALL");
        assertThrows(PgProtocolException.class, () -> client.lookup("a"));
        assertEquals(b, client.lookup("b"));
    }

    @Test
    void discardCommandTagsAreRecognisedByLengthFirst() {
        assertTrue(ServerStatements.mayDiscardAll(4 + "DISCARD ALL".length() + 1));
        assertTrue(ServerStatements.mayDiscardAll(4 + "DEALLOCATE ALL".length() + 1));
        assertFalse(ServerStatements.mayDiscardAll(4 + "SELECT 1".length() + 1));
        ByteBuf message = Unpooled.buffer();
        int len = PgBuf.beginMessage(message, 'C');
        PgBuf.writeCString(message, "DISCARD ALL");
        PgBuf.endMessage(message, len);
        assertTrue(ServerStatements.discardsAll(message));
        message.release();
    }
}
