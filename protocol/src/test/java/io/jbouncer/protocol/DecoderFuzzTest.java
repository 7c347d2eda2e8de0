package io.jbouncer.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Close;
import io.jbouncer.protocol.message.Describe;
import io.jbouncer.protocol.message.Execute;
import io.jbouncer.protocol.message.Parse;
import io.jbouncer.protocol.message.Query;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing of the decoders that read a client's bytes (docs/reliability.md): the startup packet, the
 * extended-protocol messages the pooler parses (Parse, Bind, Execute, Describe, Close, Query) and the message
 * framing of {@link PacketScanner}. Whatever the bytes, a decoder returns a value or throws
 * {@link PgProtocolException} (which the connection turns into an ErrorResponse), and leaves the buffer it was given
 * with the reference count it had: nothing retained, nothing released.
 */
class DecoderFuzzTest {

    @Property
    void startupPacketBodyDecodesOrIsRefused(@ForAll("startupBodies") byte[] body) {
        decode(body, buf -> StartupMessage.decode(StartupMessage.PROTOCOL_3 << 16, buf));
    }

    @Property
    void parseDecodesOrIsRefused(@ForAll("parseBodies") byte[] body) {
        decode(body, Parse::decode);
    }

    @Property
    void bindDecodesOrIsRefused(@ForAll("bindBodies") byte[] body) {
        decode(body, Bind::decode);
    }

    @Property
    void executeDescribeCloseAndQueryDecodeOrAreRefused(@ForAll("shortBodies") byte[] body) {
        decode(body, Execute::decode);
        decode(body, Describe::decode);
        decode(body, Close::decode);
        decode(body, Query::decode);
    }

    /**
     * The framing: a stream cut in two reads, scanned by a handler that forwards, inspects or stops at random;
     * every forwarded slice is released by the handler, so the stream must end with its own single reference.
     */
    @Property
    void scannerFramesOrRefusesAndKeepsNoReference(@ForAll("streams") byte[] stream,
                                                   @ForAll("splits") int split, @ForAll long decisions) {
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(stream.length);
        PacketScanner scanner = new PacketScanner(1 << 16);
        RandomHandler handler = new RandomHandler(decisions);
        int first = stream.length == 0 ? 0 : split % (stream.length + 1);
        try {
            in.writeBytes(stream, 0, first);
            scanner.scan(in, handler, 0L);
            in.writeBytes(stream, first, stream.length - first);
            scanner.scan(in, handler, 0L);
        } catch (PgProtocolException expected) {
            // a bad length field: the connection is closed with an ErrorResponse
        } finally {
            assertEquals(1, in.refCnt(), "the scanner kept or dropped a reference");
            in.release();
        }
        assertTrue(handler.forwarded <= stream.length, "forwarded more than was read");
    }

    /** Answers each header from a seeded sequence and releases what it is handed. */
    private static final class RandomHandler implements PacketScanner.Handler {
        private long state;
        long forwarded;

        RandomHandler(long seed) {
            state = seed;
        }

        @Override
        public PacketScanner.Action onHeader(byte tag, int length, long now) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            PacketScanner.Action[] actions = PacketScanner.Action.values();
            // STOP rarely, or the scan would end on the first message
            int pick = (int) ((state >>> 33) % 8);
            return pick == 7 ? PacketScanner.Action.STOP : actions[pick % 2];
        }

        @Override
        public boolean onMessage(byte tag, ByteBuf message, long now) {
            return (tag & 1) == 0;
        }

        @Override
        public void forward(ByteBuf bytes) {
            forwarded += bytes.readableBytes();
            bytes.release();
        }
    }

    private static void decode(byte[] body, Function<ByteBuf, ?> decoder) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(body.length).writeBytes(body);
        try {
            decoder.apply(buf);
        } catch (PgProtocolException refused) {
            // the documented answer to a malformed message
        } finally {
            assertEquals(1, buf.refCnt(), "the decoder retained or released its input");
            buf.release();
        }
    }

    @Provide
    Arbitrary<byte[]> startupBodies() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "alice");
        params.put("database", "app");
        params.put("options", "-c search_path=x");
        params.put("_pq_.foo", "bar");
        byte[] packet = encoded(out -> StartupMessage.encode(out, 0, params));
        byte[] body = Arrays.copyOfRange(packet, 8, packet.length);
        return Mutations.arbitraryOrMutated(body, new byte[] {0}, new byte[] {'u', 0, 'x', 0, 0});
    }

    @Provide
    Arbitrary<byte[]> parseBodies() {
        return Mutations.arbitraryOrMutated(body(out -> new Parse("s1", "SELECT $1::int", new int[] {23}).encode(out)),
                body(out -> new Parse("", "", new int[0]).encode(out)));
    }

    @Provide
    Arbitrary<byte[]> bindBodies() {
        byte[] withValues = new byte[] {'p', 0, 's', 0, 0, 1, 0, 1, 0, 2, 0, 0, 0, 1, '7', -1, -1, -1, -1, 0, 1, 0, 0};
        return Mutations.arbitraryOrMutated(withValues,
                body(out -> new Bind("", "s1", 0, new short[] {1, 0}).encode(out)));
    }

    @Provide
    Arbitrary<byte[]> shortBodies() {
        return Mutations.arbitraryOrMutated(body(out -> new Execute("p", 0).encode(out)),
                body(out -> new Describe(Describe.STATEMENT, "s1").encode(out)),
                body(out -> new Close(Describe.PORTAL, "").encode(out)),
                body(out -> new Query("SELECT 1").encode(out)));
    }

    @Provide
    Arbitrary<byte[]> streams() {
        byte[] messages = concat(encoded(out -> new Query("BEGIN").encode(out)),
                encoded(out -> new Parse("s", "SELECT 1", new int[0]).encode(out)),
                encoded(out -> new Bind("", "s", 0, new short[0]).encode(out)),
                encoded(out -> new Execute("", 0).encode(out)),
                new byte[] {'S', 0, 0, 0, 4, 'd', 0, 0, 0, 7, 1, 2, 3, 'X', 0, 0, 0, 4});
        return Mutations.arbitraryOrMutated(messages);
    }

    @Provide
    Arbitrary<Integer> splits() {
        return Arbitraries.integers().between(0, 1000);
    }

    private static byte[] encoded(Consumer<ByteBuf> encoder) {
        ByteBuf out = Unpooled.buffer();
        encoder.accept(out);
        return ByteBufUtil.getBytes(out);
    }

    private static byte[] body(Consumer<ByteBuf> encoder) {
        byte[] message = encoded(encoder);
        return Arrays.copyOfRange(message, 5, message.length);
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return ByteBufUtil.getBytes(out);
    }
}
