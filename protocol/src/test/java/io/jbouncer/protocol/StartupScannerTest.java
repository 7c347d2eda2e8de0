package io.jbouncer.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.CancelRequest;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link StartupScanner}: framing of the packets before login, whole, in fragments, and malformed. */
class StartupScannerTest {

    private static final Map<String, String> PARAMS = orderedParams();

    private static Map<String, String> orderedParams() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "alice");
        params.put("database", "db");
        params.put("application_name", "psql");
        return params;
    }

    /** Feeds {@code wire} cut at {@code cut}, scanning after each piece as a handler does after each read. */
    private static List<StartupScanner.Packet> scanInTwo(byte[] wire, int cut, List<ByteBuf> keep) {
        ByteBuf in = Unpooled.buffer();
        keep.add(in);
        List<StartupScanner.Packet> packets = new ArrayList<>();
        in.writeBytes(wire, 0, cut);
        drain(in, packets);
        in.writeBytes(wire, cut, wire.length - cut);
        drain(in, packets);
        return packets;
    }

    private static void drain(ByteBuf in, List<StartupScanner.Packet> packets) {
        StartupScanner.Packet packet;
        while ((packet = StartupScanner.nextStartup(in)) != null) {
            packets.add(packet);
        }
    }

    @Test
    void aStartupMessageSplitAtEveryByteComesOutWholeOnce() {
        byte[] wire = Wire.startup(0, PARAMS);
        for (int cut = 0; cut <= wire.length; cut++) {
            List<ByteBuf> keep = new ArrayList<>();
            List<StartupScanner.Packet> packets = scanInTwo(wire, cut, keep);
            assertEquals(1, packets.size(), "cut at " + cut);
            StartupScanner.Packet packet = packets.get(0);
            assertEquals(StartupScanner.Kind.STARTUP, packet.kind());
            StartupMessage decoded = StartupMessage.decode(packet.code(), packet.body());
            assertEquals(PARAMS, decoded.parameters(), "cut at " + cut);
            assertEquals(3, decoded.majorVersion());
            assertEquals(0, decoded.minorVersion());
            assertFalse(keep.get(0).isReadable());
            keep.forEach(ByteBuf::release);
        }
    }

    @Test
    void anIncompletePacketMovesNothing() {
        byte[] wire = Wire.startup(2, PARAMS);
        ByteBuf in = Unpooled.wrappedBuffer(wire, 0, wire.length - 1);
        assertNull(StartupScanner.nextStartup(in));
        assertEquals(0, in.readerIndex());
        in.release();
    }

    @Test
    void eachRequestCodeIsToldApart() {
        byte[] cancel = Wire.encoded(out -> CancelRequest.encode(out, new BackendKeyData(42, 7)));
        byte[] wire = Wire.concat(Wire.request(StartupScanner.SSL_REQUEST),
                Wire.request(StartupScanner.GSSENC_REQUEST), cancel, Wire.startup(2, PARAMS));
        for (int cut = 0; cut <= wire.length; cut++) {
            List<ByteBuf> keep = new ArrayList<>();
            List<StartupScanner.Packet> packets = scanInTwo(wire, cut, keep);
            assertEquals(List.of(StartupScanner.Kind.SSL_REQUEST, StartupScanner.Kind.GSSENC_REQUEST,
                    StartupScanner.Kind.CANCEL_REQUEST, StartupScanner.Kind.STARTUP),
                    packets.stream().map(StartupScanner.Packet::kind).toList(), "cut at " + cut);
            assertEquals(0, packets.get(0).body().readableBytes());
            assertEquals(new BackendKeyData(42, 7), CancelRequest.decode(packets.get(2).body()));
            assertEquals(2, StartupMessage.decode(packets.get(3).code(), packets.get(3).body()).minorVersion());
            keep.forEach(ByteBuf::release);
        }
    }

    @Test
    void anSslRequestFollowedByGarbageFramesTheRequestThenRefusesTheGarbage() {
        ByteBuf in = Unpooled.wrappedBuffer(Wire.concat(Wire.request(StartupScanner.SSL_REQUEST),
                new byte[] {0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3}));
        assertEquals(StartupScanner.Kind.SSL_REQUEST, StartupScanner.nextStartup(in).kind());
        assertTrue(in.isReadable(), "the caller sees bytes behind the SSLRequest");
        PgProtocolException e = assertThrows(PgProtocolException.class, () -> StartupScanner.nextStartup(in));
        assertEquals("bad packet header: '7f7f7f7f'", e.getMessage());
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        in.release();
    }

    @Test
    void lengthsOutsideEightTo16KiBAreRefusedFromTheLengthWordAlone() {
        for (int length : new int[] {0, 4, 7, StartupScanner.MAX_LENGTH + 1, Integer.MAX_VALUE, -1}) {
            ByteBuf in = Unpooled.buffer().writeInt(length); // no code, no body: the length alone decides
            PgProtocolException e = assertThrows(PgProtocolException.class, () -> StartupScanner.nextStartup(in));
            assertEquals(String.format("bad packet header: '%08x'", length), e.getMessage());
            in.release();
        }
        ByteBuf longest = Unpooled.buffer().writeInt(StartupScanner.MAX_LENGTH).writeInt(196608)
                .writeZero(StartupScanner.MAX_LENGTH - 8);
        assertEquals(StartupScanner.Kind.STARTUP, StartupScanner.nextStartup(longest).kind());
        longest.release();
    }

    @Test
    void protocolTwoAndUnknownCodesAreRefusedWithPgBouncersTexts() {
        ByteBuf v2 = Unpooled.wrappedBuffer(Wire.request(2 << 16));
        assertEquals("old V2 protocol not supported",
                assertThrows(PgProtocolException.class, () -> StartupScanner.nextStartup(v2)).getMessage());
        v2.release();
        ByteBuf unknown = Unpooled.wrappedBuffer(Wire.request(0x04d21631));
        assertEquals("bad packet header: '04d21631'",
                assertThrows(PgProtocolException.class, () -> StartupScanner.nextStartup(unknown)).getMessage());
        unknown.release();
    }

    @Test
    void everyStartupCodeTellsOnlyItsOwnKind() {
        // protocol 3 with any minor (3.9999 is how newer libpq probes) is a startup, never a request
        for (int minor : new int[] {0, 1, 2, 9999, 0xFFFF}) {
            ByteBuf in = Unpooled.wrappedBuffer(Wire.request(3 << 16 | minor));
            StartupScanner.Packet packet = StartupScanner.nextStartup(in);
            assertEquals(StartupScanner.Kind.STARTUP, packet.kind());
            assertEquals(3 << 16 | minor, packet.code());
            in.release();
        }
    }

    @Test
    void aPasswordMessageInPiecesComesOutWhole() {
        byte[] wire = Wire.concat(Wire.password("secret"), Wire.password("second"));
        for (int cut = 0; cut <= wire.length; cut++) {
            ByteBuf in = Unpooled.buffer();
            List<String> read = new ArrayList<>();
            in.writeBytes(wire, 0, cut);
            readPasswords(in, read);
            in.writeBytes(wire, cut, wire.length - cut);
            readPasswords(in, read);
            assertEquals(List.of("secret", "second"), read, "cut at " + cut);
            assertFalse(in.isReadable());
            in.release();
        }
    }

    private static void readPasswords(ByteBuf in, List<String> read) {
        ByteBuf body;
        while ((body = StartupScanner.nextPasswordMessage(in)) != null) {
            read.add(PgBuf.readCString(body));
        }
    }

    @Test
    void anythingButAPasswordMessageIsAnUnknownPacket() {
        byte[] query = Wire.password("x");
        query[0] = 'Q';
        byte[] huge = Unpooled.buffer().writeByte('p').writeInt(StartupScanner.MAX_LENGTH + 1).array();
        byte[] tooShort = {'p', 0, 0, 0, 3};
        for (byte[] wire : new byte[][] {query, huge, tooShort}) {
            ByteBuf in = Unpooled.wrappedBuffer(wire, 0, 5); // refused from the header alone
            PgProtocolException e = assertThrows(PgProtocolException.class,
                    () -> StartupScanner.nextPasswordMessage(in));
            assertEquals("unknown pkt", e.getMessage());
            in.release();
        }
    }

    @Test
    void aFourByteHeadOfAPasswordMessageWaits() {
        ByteBuf in = Unpooled.wrappedBuffer(Wire.password("x"), 0, 4);
        assertNull(StartupScanner.nextPasswordMessage(in));
        assertEquals(0, in.readerIndex());
        in.release();
        byte[] expected = {'x', 0};
        ByteBuf whole = Unpooled.wrappedBuffer(Wire.password("x"));
        assertArrayEquals(expected, ByteBufUtil.getBytes(StartupScanner.nextPasswordMessage(whole)));
        whole.release();
    }
}
