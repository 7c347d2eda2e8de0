package io.jbouncer.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jbouncer.core.Pooler;
import io.jbouncer.core.TestPooler;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.state.ServerState;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.Wire;
import io.jbouncer.protocol.message.Authentication;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.ParameterStatus;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server connection's login phase through {@link EmbeddedChannel}, PostgreSQL's replies fed in fragments: what the
 * pooler sends, which handler holds the pipeline afterwards, and what the pool learns.
 */
class ServerLoginHandlerTest {
    private static Pooler pooler;
    private static Pool pool;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void pool(@TempDir Path dir) throws Exception {
        pooler = TestPooler.create(dir);
        pool = pooler.pools().pool(pooler.database("db"), "alice",
                pooler.serverSecret(pooler.database("db"), "alice"), null);
    }

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    /** A new server connection of the pool on an embedded channel; its StartupMessage is read off. */
    private EmbeddedChannel newServer(ServerConnection server) {
        pool.track(server);
        EmbeddedChannel channel = new EmbeddedChannel(server.loginHandler());
        channels.add(channel);
        ByteBuf startup = channel.readOutbound();
        assertEquals(StartupMessage.PROTOCOL_3 << 16 | StartupMessage.LATEST_MINOR, startup.getInt(4));
        StartupMessage decoded = StartupMessage.decode(startup.getInt(4), startup.slice(8, startup.readableBytes() - 8));
        startup.release();
        assertEquals("alice", decoded.parameter("user"));
        assertEquals("db", decoded.parameter("database"));
        assertEquals(ServerState.SV_LOGIN, server.state());
        return channel;
    }

    private static ServerConnection newConnection() {
        return new ServerConnection(pool, pool.nextAddress(), pool.credentials(), pool.target().startupParameters(),
                8192);
    }

    /** AuthenticationOk, two ParameterStatus, BackendKeyData and ReadyForQuery: a trusted login's replies. */
    private static byte[] trustedLogin() {
        return Wire.encoded(out -> {
            Authentication.encodeOk(out);
            new ParameterStatus("server_version", "18.1").encode(out);
            new ParameterStatus("TimeZone", "UTC").encode(out);
            new BackendKeyData(4242, 77).encode(out);
            ReadyForQuery.encode(out, ReadyForQuery.IDLE);
        });
    }

    /** Writes {@code wire} in two copied pieces (the handler compacts what it keeps in place). */
    private static void feed(EmbeddedChannel channel, byte[] wire, int cut) {
        channel.writeInbound(Unpooled.copiedBuffer(wire, 0, cut));
        channel.writeInbound(Unpooled.copiedBuffer(wire, cut, wire.length - cut));
    }

    @Test
    void aLoginSplitAtEveryByteBoundaryEndsWithTheServerInThePool() {
        byte[] replies = trustedLogin();
        for (int cut = 0; cut <= replies.length; cut++) {
            ServerConnection server = newConnection();
            EmbeddedChannel channel = newServer(server);
            feed(channel, replies, cut);
            assertEquals(ServerState.SV_IDLE, server.state(), "cut at " + cut);
            assertEquals(new BackendKeyData(4242, 77), server.backendKey());
            assertEquals(Map.of("server_version", "18.1", "TimeZone", "UTC"), server.reportedParameters(),
                    "cut at " + cut);
            assertNull(channel.pipeline().get(ServerLoginHandler.class), "the login handler left");
            assertNull(server.loginHandler(), "the server does not keep its finished login handler");
            assertEquals(server, channel.pipeline().last(), "the relay handler holds the pipeline");
            assertNull(channel.readOutbound(), "nothing sent after the startup");
            server.close("test over");
        }
    }

    @Test
    void aPasswordRequestIsAnsweredWithThePoolUsersSecret() {
        ServerConnection server = newConnection();
        EmbeddedChannel channel = newServer(server);
        feed(channel, Wire.encoded(Authentication::encodeCleartextPassword), 4);
        ByteBuf reply = channel.readOutbound();
        assertEquals('p', reply.readByte());
        assertEquals("secret", PgBuf.readCString(reply.readSlice(reply.readInt() - 4)));
        reply.release();
        assertNotNull(channel.pipeline().get(ServerLoginHandler.class), "still logging in");
        server.close("test over");
    }

    @Test
    void aRefusedLoginClosesTheServerWithTheLoginHandlerInPlace() {
        ServerConnection server = newConnection();
        EmbeddedChannel channel = newServer(server);
        byte[] refusal = Wire.encoded(out -> ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "password authentication failed")
                .encode(out));
        feed(channel, refusal, 7);
        channel.runPendingTasks();
        assertEquals(ServerState.SV_JUSTFREE, server.state());
        assertFalse(channel.isOpen());
    }

    @Test
    void whatPostgresqlSendsBehindTheLoginReachesTheConnection() {
        ServerConnection server = newConnection();
        EmbeddedChannel channel = newServer(server);
        // a NoticeResponse right behind the login's ReadyForQuery, in the same read: the idle server's own handler
        // sees it and closes the server, as for any unsolicited message of an idle server
        byte[] notice = Wire.encoded(out -> ErrorResponse.notice("hello", null).encodeAsNotice(out));
        channel.writeInbound(Unpooled.copiedBuffer(Wire.concat(trustedLogin(), notice)));
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "the notice reached ServerConnection");
        assertEquals(ServerState.SV_JUSTFREE, server.state());
    }
}
