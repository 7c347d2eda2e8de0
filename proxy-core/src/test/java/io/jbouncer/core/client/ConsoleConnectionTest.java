package io.jbouncer.core.client;

import static io.jbouncer.core.client.ClientChannelWire.answered;
import static io.jbouncer.core.client.ClientChannelWire.tags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.admin.ShutdownMode;
import io.jbouncer.admin.view.StateRow;
import io.jbouncer.core.Pooler;
import io.jbouncer.core.TestPooler;
import io.jbouncer.core.admin.AdminView;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.net.DnsCache;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.Wire;
import io.jbouncer.protocol.message.CancelRequest;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin console's session handler through {@link EmbeddedChannel}: logged in by {@link ClientLoginHandler}, then
 * fed console commands in fragments. What the client is answered, how it shows in SHOW CLIENTS and the console's
 * counts, and how it ends (Terminate, KILL_CLIENT, a bad packet).
 */
class ConsoleConnectionTest {
    private static Pooler pooler;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void pooler(@TempDir Path dir) throws Exception {
        pooler = TestPooler.create(dir);
        pooler.setAdminView(new AdminView(pooler, DnsCache.system(() -> Duration.ZERO, () -> Duration.ZERO),
                new NoControl()));
    }

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    /** SUSPEND, RELOAD, SET and SHUTDOWN are not what these tests send. */
    private static final class NoControl implements AdminView.Control {
        @Override
        public String reload() {
            throw new UnsupportedOperationException();
        }

        @Override
        public StateRow.ReloadOutcome lastReload() {
            return null;
        }

        @Override
        public void apply(Config changed) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setAccepting(boolean accepting) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Channel> listeningSockets() {
            return List.of();
        }

        @Override
        public void shutdown(ShutdownMode mode) {
            throw new UnsupportedOperationException();
        }
    }

    /** A client logged in to the console, its welcome read; its {@link Client} is {@code client[0]}. */
    private EmbeddedChannel loggedIn(Client[] client) {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientLoginHandler(pooler));
        channels.add(channel);
        client[0] = channel.pipeline().get(ClientLoginHandler.class).client();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "alice");
        parameters.put("database", "pgbouncer");
        channel.writeInbound(Unpooled.wrappedBuffer(Wire.startup(0, parameters)));
        answered(channel);
        channel.writeInbound(Unpooled.wrappedBuffer(Wire.password("secret")));
        String welcome = tags(answered(channel));
        assertTrue(welcome.matches("RS+KZ"), welcome);
        assertInstanceOf(ConsoleConnection.class, channel.pipeline().last());
        return channel;
    }

    private static byte[] query(String sql) {
        return Wire.encoded(new Query(sql)::encode);
    }

    private static final byte[] TERMINATE = {'X', 0, 0, 0, 4};

    /** Writes {@code wire} one byte at a time, each a fresh buffer, as the slowest socket would deliver it. */
    private static void feedByteByByte(EmbeddedChannel channel, byte[] wire) {
        for (int i = 0; i < wire.length; i++) {
            channel.writeInbound(Unpooled.copiedBuffer(wire, i, 1));
        }
    }

    /** The rows of the one result in {@code wire}, each a map of column name to text value. */
    private static List<Map<String, String>> rows(byte[] wire) {
        List<String> columns = new ArrayList<>();
        List<Map<String, String>> rows = new ArrayList<>();
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        while (in.isReadable()) {
            byte tag = in.readByte();
            ByteBuf body = in.readSlice(in.readInt() - 4);
            if (tag == 'T') {
                for (int n = body.readShort(); n > 0; n--) {
                    columns.add(PgBuf.readCString(body));
                    body.skipBytes(18);
                }
            } else if (tag == 'D') {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0, n = body.readShort(); i < n; i++) {
                    int length = body.readInt();
                    row.put(columns.get(i), length < 0 ? null
                            : body.readCharSequence(length, StandardCharsets.UTF_8).toString());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** The one ErrorResponse {@code wire} consists of. */
    private static ErrorResponse error(byte[] wire) {
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        assertEquals('E', in.readByte());
        ByteBuf body = in.readSlice(in.readInt() - 4);
        assertFalse(in.isReadable(), "nothing after the error");
        return ErrorResponse.decode(body);
    }

    private static Map<String, String> rowOf(List<Map<String, String>> rows, Client client) {
        String ptr = String.format("0x%x", client.id());
        return rows.stream().filter(row -> ptr.equals(row.get("ptr"))).findFirst().orElse(null);
    }

    @Test
    void aQueryFedByteByByteGetsOneReplyAndTheClientShowsAsAnActiveConsoleClient() {
        Client[] client = new Client[1];
        EmbeddedChannel channel = loggedIn(client);
        byte[] show = query("SHOW CLIENTS;");
        for (int i = 0; i < show.length - 1; i++) {
            channel.writeInbound(Unpooled.copiedBuffer(show, i, 1));
            assertEquals(0, answered(channel).length, "nothing before the message is whole");
        }
        channel.writeInbound(Unpooled.copiedBuffer(show, show.length - 1, 1));
        byte[] reply = answered(channel);
        assertTrue(tags(reply).matches("TD+CZ"), tags(reply));
        Map<String, String> row = rowOf(rows(reply), client[0]);
        assertNotNull(row, "SHOW CLIENTS lists the console client");
        assertEquals("pgbouncer", row.get("database"));
        assertEquals("alice", row.get("user"));
        assertEquals("active", row.get("state"));
        assertEquals("", row.get("link"));
        assertNull(client[0].relay(), "a console client has no relay");
    }

    @Test
    void twoQueriesInOneReadAndOneSplitAcrossReadsAreEachAnswered() {
        Client[] client = new Client[1];
        EmbeddedChannel channel = loggedIn(client);
        byte[] wire = Wire.concat(query("SHOW VERSION;"), query("SHOW VERSION;"), query("SHOW VERSION;"));
        int cut = wire.length - 7; // the third message split inside its text
        channel.writeInbound(Unpooled.copiedBuffer(wire, 0, cut));
        assertEquals("TDCZTDCZ", tags(answered(channel)));
        channel.writeInbound(Unpooled.copiedBuffer(wire, cut, wire.length - cut));
        assertEquals("TDCZ", tags(answered(channel)));
    }

    @Test
    void consoleClientsAreCountedInTheConsoleRowUntilTheyTerminate() {
        int before = pooler.consoleCounts().get(ClientState.CL_ACTIVE);
        Client[] client = new Client[1];
        EmbeddedChannel channel = loggedIn(client);
        assertEquals(ClientState.CL_ACTIVE, client[0].state());
        assertEquals(before + 1, pooler.consoleCounts().get(ClientState.CL_ACTIVE));
        assertEquals(client[0], pooler.client(client[0].id()), "listed by the pooler");
        feedByteByByte(channel, TERMINATE);
        assertFalse(channel.isOpen(), "Terminate closes the console session");
        assertEquals(ClientState.CL_JUSTFREE, client[0].state());
        assertTrue(client[0].gone().toCompletableFuture().isDone());
        assertNull(pooler.client(client[0].id()), "out of the pooler's list");
        assertEquals(before, pooler.consoleCounts().get(ClientState.CL_ACTIVE));
    }

    @Test
    void killClientClosesAnotherConsoleClientAndRepliesOnceItIsGone() {
        Client[] killer = new Client[1];
        Client[] victim = new Client[1];
        EmbeddedChannel killing = loggedIn(killer);
        EmbeddedChannel killed = loggedIn(victim);
        killing.writeInbound(Unpooled.wrappedBuffer(query("KILL_CLIENT " + victim[0].id() + ";")));
        assertEquals("", tags(answered(killing)), "no reply while the victim is still listed");
        killed.runPendingTasks(); // the close runs on the victim's own loop
        ErrorResponse error = error(answered(killed));
        assertEquals("FATAL", error.severity());
        assertEquals("08P01", error.sqlState());
        assertEquals("admin forced disconnect", error.message());
        assertFalse(killed.isOpen());
        assertEquals(ClientState.CL_JUSTFREE, victim[0].state());
        killing.runPendingTasks();
        assertEquals("CZ", tags(answered(killing)), "KILL_CLIENT's reply once the victim is gone");
        assertTrue(killing.isOpen());
    }

    @Test
    void aBadPacketHeaderBehindAQueryClosesWithPgBouncersFatalError() {
        Client[] client = new Client[1];
        EmbeddedChannel channel = loggedIn(client);
        byte[] show = query("SHOW VERSION;");
        feedByteByByte(channel, Wire.concat(show, new byte[] {'Q', 0, 0, 0, 2}));
        byte[] reply = answered(channel);
        assertEquals("TDCZE", tags(reply), "the query before the bad header is answered");
        ErrorResponse error = error(lastMessage(reply));
        assertEquals("FATAL", error.severity());
        assertEquals("08P01", error.sqlState());
        assertEquals("bad packet header: '5100000002'", error.message());
        assertFalse(channel.isOpen());
        assertEquals(ClientState.CL_JUSTFREE, client[0].state());
    }

    /** The last typed message of {@code wire}. */
    private static byte[] lastMessage(byte[] wire) {
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        int start = 0;
        while (in.isReadable()) {
            start = in.readerIndex();
            in.skipBytes(1);
            in.skipBytes(in.readInt() - 4);
        }
        return Arrays.copyOfRange(wire, start, wire.length);
    }

    @Test
    void aCancelRequestAimedAtAConsoleClientClosesWithNothingToCancel() {
        Client[] target = new Client[1];
        EmbeddedChannel console = loggedIn(target);
        EmbeddedChannel cancel = new EmbeddedChannel(new ClientLoginHandler(pooler));
        channels.add(cancel);
        Client canceller = cancel.pipeline().get(ClientLoginHandler.class).client();
        byte[] request = Wire.encoded(out -> CancelRequest.encode(out,
                target[0].session().cancelKey()));
        cancel.writeInbound(Unpooled.wrappedBuffer(request));
        cancel.runPendingTasks();
        assertFalse(cancel.isOpen());
        assertEquals(ClientState.CL_JUSTFREE, canceller.state());
        assertEquals(0, answered(cancel).length);
        assertTrue(console.isOpen(), "the console session goes on");
    }
}
