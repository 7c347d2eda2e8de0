package io.jbouncer.core.client;

import static io.jbouncer.core.client.ClientChannelWire.answered;
import static io.jbouncer.core.client.ClientChannelWire.tags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.Pooler;
import io.jbouncer.core.TestPooler;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.protocol.StartupScanner;
import io.jbouncer.protocol.Wire;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.CancelRequest;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
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
 * The client's start-up phase through {@link EmbeddedChannel}, fed in fragments: what the client is answered, which
 * handler holds the pipeline afterwards, and PgBouncer's error texts. Logins go to the admin console, whose session
 * needs no PostgreSQL; {@code auth_type = plain} makes the password exchange one readable message.
 */
class ClientLoginHandlerTest {
    private static Pooler pooler;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void pooler(@TempDir Path dir) throws Exception {
        pooler = TestPooler.create(dir);
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

    /** The client the login handler serves; taken before the login is over, when the handler leaves. */
    private static Client clientOf(EmbeddedChannel channel) {
        ClientLoginHandler login = channel.pipeline().get(ClientLoginHandler.class);
        assertNotNull(login, "the login handler holds the pipeline until the login is over");
        return login.client();
    }

    // ---- what a client sends -------------------------------------------------------------------------------

    private static byte[] startup(String user, String database) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", database);
        return Wire.startup(0, parameters);
    }

    private static final byte[] TERMINATE = {'X', 0, 0, 0, 4};

    /**
     * Writes {@code wire} in pieces cut at {@code cuts} (ascending), each a copy, as a socket reads into fresh
     * buffers: the handler compacts what it keeps in place, which would overwrite a wrapped array.
     */
    private static void feed(EmbeddedChannel channel, byte[] wire, int... cuts) {
        int from = 0;
        for (int cut : cuts) {
            channel.writeInbound(Unpooled.copiedBuffer(wire, from, cut - from));
            from = cut;
        }
        channel.writeInbound(Unpooled.copiedBuffer(wire, from, wire.length - from));
    }

    // ---- what the client is answered -----------------------------------------------------------------------

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
            assertEquals(ClientState.CL_LOGIN, clientOf(channel).state());
        }
    }

    @Test
    void aStartupMessageOneByteAtATimeGetsOnePasswordRequest() {
        byte[] wire = startup("alice", "pgbouncer");
        EmbeddedChannel channel = newClient();
        for (int i = 0; i < wire.length - 1; i++) {
            channel.writeInbound(Unpooled.copiedBuffer(wire, i, 1));
            assertEquals(0, answered(channel).length, "nothing before the packet is whole");
        }
        channel.writeInbound(Unpooled.copiedBuffer(wire, wire.length - 1, 1));
        assertEquals(ByteBufUtil.hexDump(CLEARTEXT_REQUEST), ByteBufUtil.hexDump(answered(channel)));
    }

    @Test
    void aPasswordInTwoPiecesLogsInAndTheLoginHandlerGivesItsPlaceToTheConsole() {
        EmbeddedChannel channel = newClient();
        Client client = clientOf(channel);
        feed(channel, startup("alice", "pgbouncer"));
        answered(channel);
        byte[] secret = Wire.password("secret");
        feed(channel, secret, 3);
        // AuthenticationOk, ParameterStatus..., BackendKeyData, ReadyForQuery
        String welcome = tags(answered(channel));
        assertTrue(welcome.matches("RS+KZ"), welcome);
        assertEquals(ClientState.CL_ACTIVE, client.state());
        assertTrue(client.isConsole());
        assertNull(client.relay(), "no relay for the console");
        assertNull(channel.pipeline().get(ClientLoginHandler.class), "the login handler left");
        assertInstanceOf(ConsoleConnection.class, channel.pipeline().last(), "the console handler took its place");
        assertNull(channel.pipeline().get(ClientConnection.class));
        assertTrue(channel.isOpen());
    }

    @Test
    void bytesSentBehindThePasswordReachTheSession() {
        EmbeddedChannel channel = newClient();
        feed(channel, startup("alice", "pgbouncer"));
        answered(channel);
        // the console session gets the Terminate that came in the same read as the password, and closes
        feed(channel, Wire.concat(Wire.password("secret"), TERMINATE));
        channel.runPendingTasks();
        assertTrue(tags(answered(channel)).startsWith("R"));
        assertFalse(channel.isOpen(), "the Terminate reached the console session");
    }

    @Test
    void aWrongPasswordIsRefusedWithPgBouncersText() {
        EmbeddedChannel channel = newClient();
        feed(channel, startup("alice", "pgbouncer"));
        answered(channel);
        feed(channel, Wire.password("wrong"), 2, 4);
        ErrorResponse refused = error(answered(channel));
        assertEquals("FATAL", refused.severity());
        assertEquals("08P01", refused.sqlState()); // PgBouncer reports every login failure so
        assertEquals("password authentication failed", refused.message());
        assertFalse(channel.isOpen());
    }

    @Test
    void anSslRequestIsAnsweredNWithoutTlsAndTheLoginGoesOn() {
        EmbeddedChannel channel = newClient();
        byte[] wire = Wire.concat(Wire.request(StartupScanner.SSL_REQUEST), startup("alice", "pgbouncer"));
        feed(channel, wire, 5);
        assertEquals("4e" + ByteBufUtil.hexDump(CLEARTEXT_REQUEST), ByteBufUtil.hexDump(answered(channel)));
    }

    @Test
    void anSslRequestFollowedByGarbageGetsNThenAFatalError() {
        EmbeddedChannel channel = newClient();
        feed(channel, Wire.concat(Wire.request(StartupScanner.SSL_REQUEST), new byte[] {0, 0, 0, 2, 'x', 'y'}));
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
        feed(channel, Wire.request(StartupScanner.GSSENC_REQUEST), 3);
        assertEquals("4e", ByteBufUtil.hexDump(answered(channel)));
        assertTrue(channel.isOpen());
    }

    @Test
    void protocolTwoAndOversizedPacketsAreRefused() {
        EmbeddedChannel v2 = newClient();
        feed(v2, Wire.request(2 << 16));
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
        byte[] cancel = Wire.encoded(out -> CancelRequest.encode(out, new BackendKeyData(1, 2)));
        feed(channel, cancel, 7);
        assertEquals(0, answered(channel).length);
        assertFalse(channel.isOpen());
    }

    @Test
    void aClientThatLeavesMidPacketLeavesNothingBehind() {
        EmbeddedChannel channel = newClient();
        Client client = clientOf(channel);
        byte[] wire = startup("alice", "pgbouncer");
        channel.writeInbound(Unpooled.copiedBuffer(wire, 0, 6));
        channel.close();
        assertEquals(ClientState.CL_JUSTFREE, client.state()); // the cumulation is released: no LEAK report
        assertTrue(client.gone().toCompletableFuture().isDone(), "closed by the login handler itself");
    }
}
