package io.jbouncer.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.Pooler;
import io.jbouncer.core.config.AuthFile;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.core.config.HbaRules;
import io.jbouncer.core.net.ServerConnector;
import io.jbouncer.core.net.Transport;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.stats.PoolerEvents;
import io.jbouncer.core.tls.TlsContexts;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.StartupScanner;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.CancelRequest;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's start-up phase through {@link EmbeddedChannel}, fed in fragments: what the client is answered, which
 * handler holds the pipeline afterwards, and PgBouncer's error texts. Logins go to the admin console, whose session
 * needs no PostgreSQL; {@code auth_type = plain} makes the password exchange one readable message.
 */
class ClientLoginHandlerTest {
    private static Pooler pooler;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void pooler(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("userlist.txt");
        Files.writeString(users, "\"alice\" \"secret\"\n", StandardCharsets.UTF_8);
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, """
                [databases]
                db = host=127.0.0.1 port=1
                [pgbouncer]
                auth_type = plain
                auth_file = %s
                admin_users = alice
                """.formatted(users), StandardCharsets.UTF_8);
        Config config = ConfigLoader.load(ini);
        Map<String, StoredSecret> secrets = new HashMap<>();
        AuthFile.load(users).forEach((user, secret) -> secrets.put(user, StoredSecret.parse(secret)));
        // No server is ever connected here: the connector has no event loops.
        ServerConnector connector = new ServerConnector(Transport.detect(), null, 8192,
                new WriteBufferWaterMark(32 * 1024, 128 * 1024), () -> null, PoolerEvents.NONE);
        pooler = new Pooler(config, secrets, HbaRules.NONE, TlsContexts.build(config), connector, PoolerEvents.NONE);
    }

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel newClient() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientLoginHandler(pooler));
        channels.add(channel);
        return channel;
    }

    private static ClientConnection connectionOf(EmbeddedChannel channel) {
        ClientConnection connection = channel.pipeline().get(ClientConnection.class);
        assertNotNull(connection, "the connection sits in the pipeline from the start");
        return connection;
    }

    // ---- what a client sends -------------------------------------------------------------------------------

    private static byte[] startup(String user, String database) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", database);
        ByteBuf out = Unpooled.buffer();
        StartupMessage.encode(out, 0, parameters);
        return bytes(out);
    }

    private static byte[] request(int code) {
        return bytes(Unpooled.buffer().writeInt(8).writeInt(code));
    }

    private static byte[] password(String text) {
        ByteBuf out = Unpooled.buffer();
        int len = PgBuf.beginMessage(out, 'p');
        PgBuf.writeCString(out, text);
        PgBuf.endMessage(out, len);
        return bytes(out);
    }

    private static final byte[] TERMINATE = {'X', 0, 0, 0, 4};

    private static byte[] bytes(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return bytes(out);
    }

    /** Writes {@code wire} in pieces cut at {@code cuts} (ascending). */
    private static void feed(EmbeddedChannel channel, byte[] wire, int... cuts) {
        int from = 0;
        for (int cut : cuts) {
            channel.writeInbound(Unpooled.wrappedBuffer(wire, from, cut - from));
            from = cut;
        }
        channel.writeInbound(Unpooled.wrappedBuffer(wire, from, wire.length - from));
    }

    // ---- what the client is answered -----------------------------------------------------------------------

    /** Everything written to the client so far, as one byte array (released). */
    private static byte[] answered(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = channel.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        return bytes(all);
    }

    /** The tags of the typed messages in {@code wire}. */
    private static String tags(byte[] wire) {
        StringBuilder tags = new StringBuilder();
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        while (in.isReadable()) {
            tags.append((char) in.readByte());
            in.skipBytes(in.readInt() - 4);
        }
        return tags.toString();
    }

    /** The one ErrorResponse {@code wire} consists of. */
    private static ErrorResponse error(byte[] wire) {
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        assertEquals('E', in.readByte());
        ByteBuf body = in.readSlice(in.readInt() - 4);
        assertFalse(in.isReadable(), "nothing after the error");
        return ErrorResponse.decode(body);
    }

    private static final byte[] CLEARTEXT_REQUEST = {'R', 0, 0, 0, 8, 0, 0, 0, 3};

    // ---- the tests -----------------------------------------------------------------------------------------

    @Test
    void aStartupMessageSplitAtEveryByteBoundaryGetsOnePasswordRequest() {
        byte[] wire = startup("alice", "pgbouncer");
        for (int cut = 1; cut < wire.length; cut++) {
            EmbeddedChannel channel = newClient();
            feed(channel, wire, cut);
            assertEquals(ByteBufUtil.hexDump(CLEARTEXT_REQUEST), ByteBufUtil.hexDump(answered(channel)),
                    "cut at " + cut);
            assertEquals(ClientState.CL_LOGIN, connectionOf(channel).state());
        }
    }

    @Test
    void aStartupMessageOneByteAtATimeGetsOnePasswordRequest() {
        byte[] wire = startup("alice", "pgbouncer");
        EmbeddedChannel channel = newClient();
        for (int i = 0; i < wire.length - 1; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(wire, i, 1));
            assertEquals(0, answered(channel).length, "nothing before the packet is whole");
        }
        channel.writeInbound(Unpooled.wrappedBuffer(wire, wire.length - 1, 1));
        assertEquals(ByteBufUtil.hexDump(CLEARTEXT_REQUEST), ByteBufUtil.hexDump(answered(channel)));
    }

    @Test
    void aPasswordInTwoPiecesLogsInAndTheLoginHandlerLeavesThePipeline() {
        EmbeddedChannel channel = newClient();
        ClientConnection connection = connectionOf(channel);
        feed(channel, startup("alice", "pgbouncer"));
        answered(channel);
        byte[] secret = password("secret");
        feed(channel, secret, 3);
        // AuthenticationOk, ParameterStatus..., BackendKeyData, ReadyForQuery
        String welcome = tags(answered(channel));
        assertTrue(welcome.matches("RS+KZ"), welcome);
        assertEquals(ClientState.CL_ACTIVE, connection.state());
        assertTrue(connection.isConsole());
        assertNull(channel.pipeline().get(ClientLoginHandler.class), "the login handler left");
        assertEquals(connection, channel.pipeline().last(), "the relay handler holds the pipeline");
        assertTrue(channel.isOpen());
    }

    @Test
    void bytesSentBehindThePasswordReachTheSession() {
        EmbeddedChannel channel = newClient();
        feed(channel, startup("alice", "pgbouncer"));
        answered(channel);
        // the console session gets the Terminate that came in the same read as the password, and closes
        feed(channel, concat(password("secret"), TERMINATE));
        channel.runPendingTasks();
        assertTrue(tags(answered(channel)).startsWith("R"));
        assertFalse(channel.isOpen(), "the Terminate reached the console session");
    }

    @Test
    void aWrongPasswordIsRefusedWithPgBouncersText() {
        EmbeddedChannel channel = newClient();
        feed(channel, concat(startup("alice", "pgbouncer")));
        answered(channel);
        feed(channel, password("wrong"), 2, 4);
        ErrorResponse refused = error(answered(channel));
        assertEquals("FATAL", refused.severity());
        assertEquals("08P01", refused.sqlState()); // PgBouncer reports every login failure so
        assertEquals("password authentication failed", refused.message());
        assertFalse(channel.isOpen());
    }

    @Test
    void anSslRequestIsAnsweredNWithoutTlsAndTheLoginGoesOn() {
        EmbeddedChannel channel = newClient();
        byte[] wire = concat(request(StartupScanner.SSL_REQUEST), startup("alice", "pgbouncer"));
        feed(channel, wire, 5);
        assertEquals("4e" + ByteBufUtil.hexDump(CLEARTEXT_REQUEST), ByteBufUtil.hexDump(answered(channel)));
    }

    @Test
    void anSslRequestFollowedByGarbageGetsNThenAFatalError() {
        EmbeddedChannel channel = newClient();
        feed(channel, concat(request(StartupScanner.SSL_REQUEST), new byte[] {0, 0, 0, 2, 'x', 'y'}));
        byte[] out = answered(channel);
        assertEquals('N', out[0]);
        ErrorResponse error = error(Arrays.copyOfRange(out, 1, out.length));
        assertEquals("08P01", error.sqlState());
        assertEquals("bad packet header: '00000002'", error.message());
        assertFalse(channel.isOpen());
    }

    @Test
    void aGssEncRequestIsAnsweredN() {
        EmbeddedChannel channel = newClient();
        feed(channel, request(StartupScanner.GSSENC_REQUEST), 3);
        assertEquals("4e", ByteBufUtil.hexDump(answered(channel)));
        assertTrue(channel.isOpen());
    }

    @Test
    void protocolTwoAndOversizedPacketsAreRefused() {
        EmbeddedChannel v2 = newClient();
        feed(v2, request(2 << 16));
        assertEquals("old V2 protocol not supported", error(answered(v2)).message());
        assertFalse(v2.isOpen());
        EmbeddedChannel huge = newClient();
        feed(huge, new byte[] {0, 1, 0, 0});
        assertEquals("bad packet header: '00010000'", error(answered(huge)).message());
        assertFalse(huge.isOpen());
    }

    @Test
    void anythingButAPasswordMessageDuringTheExchangeIsAnUnknownPacket() {
        EmbeddedChannel channel = newClient();
        feed(channel, startup("alice", "pgbouncer"));
        answered(channel);
        feed(channel, startup("alice", "pgbouncer"), 1); // a second StartupMessage where the password belongs
        assertEquals("unknown pkt", error(answered(channel)).message());
        assertFalse(channel.isOpen());
    }

    @Test
    void aCancelRequestWithAnUnknownKeyClosesWithoutAReply() {
        EmbeddedChannel channel = newClient();
        ByteBuf cancel = Unpooled.buffer();
        CancelRequest.encode(cancel, new BackendKeyData(1, 2));
        feed(channel, bytes(cancel), 7);
        assertEquals(0, answered(channel).length);
        assertFalse(channel.isOpen());
    }

    @Test
    void aClientThatLeavesMidPacketLeavesNothingBehind() {
        EmbeddedChannel channel = newClient();
        ClientConnection connection = connectionOf(channel);
        byte[] wire = startup("alice", "pgbouncer");
        channel.writeInbound(Unpooled.wrappedBuffer(wire, 0, 6));
        channel.close();
        assertEquals(ClientState.CL_JUSTFREE, connection.state()); // the cumulation is released: no LEAK report
    }
}
