package io.jbouncer.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PacketScannerTest {
    private static final int MAX = 1 << 24;
    /** The time passed to a scan whose callbacks' times are not under test. */
    private static final long NOW = 1_000L;

    /** A typed message and what the handler does with it. */
    private record Msg(byte tag, byte[] wire, PacketScanner.Action action, boolean forwardInspected) {
        boolean forwarded() {
            return action == PacketScanner.Action.FORWARD || forwardInspected;
        }
    }

    private static Msg msg(char tag, int bodyLength, PacketScanner.Action action, boolean forwardInspected) {
        byte[] wire = new byte[bodyLength + 5];
        wire[0] = (byte) tag;
        Unpooled.wrappedBuffer(wire).setInt(1, bodyLength + 4);
        for (int i = 5; i < wire.length; i++) {
            wire[i] = (byte) (tag + i);
        }
        return new Msg((byte) tag, wire, action, forwardInspected);
    }

    /** DataRow, ParameterStatus (inspected, forwarded), empty-bodied, ReadyForQuery (swallowed), notice... */
    private static final List<Msg> STREAM = List.of(
            msg('D', 11, PacketScanner.Action.FORWARD, false),
            msg('S', 7, PacketScanner.Action.INSPECT, true),
            msg('D', 3, PacketScanner.Action.FORWARD, false),
            msg('n', 0, PacketScanner.Action.FORWARD, false),
            msg('Z', 1, PacketScanner.Action.INSPECT, false),
            msg('N', 0, PacketScanner.Action.INSPECT, true),
            msg('C', 9, PacketScanner.Action.FORWARD, false),
            msg('A', 2, PacketScanner.Action.INSPECT, false),
            msg('Z', 1, PacketScanner.Action.INSPECT, true));

    /** Records everything the scanner hands over; decides per tag from the stream's messages. */
    private static final class Recorder implements PacketScanner.Handler {
        private final Map<Byte, PacketScanner.Action> actions;
        private final List<Msg> expectedInspected;
        final ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
        final List<ByteBuf> slices = new ArrayList<>();
        final List<byte[]> inspected = new ArrayList<>();
        /** Forwarded byte count at each onMessage: proves runs are emitted before the inspection. */
        final List<Integer> forwardedAtInspection = new ArrayList<>();
        final List<Byte> forwardHeaders = new ArrayList<>();
        final List<Long> headerTimes = new ArrayList<>();
        final List<Long> messageTimes = new ArrayList<>();

        Recorder(Map<Byte, PacketScanner.Action> actions, List<Msg> stream) {
            this.actions = actions;
            this.expectedInspected = stream.stream().filter(m -> m.action == PacketScanner.Action.INSPECT).toList();
        }

        @Override
        public PacketScanner.Action onHeader(byte tag, int length, long now) {
            headerTimes.add(now);
            PacketScanner.Action action = actions.get(tag);
            if (action == PacketScanner.Action.FORWARD) {
                forwardHeaders.add(tag);
            }
            return action;
        }

        @Override
        public boolean onMessage(byte tag, ByteBuf message, long now) {
            messageTimes.add(now);
            int refCnt = message.refCnt();
            byte[] bytes = ByteBufUtil.getBytes(message);
            assertEquals(tag, bytes[0]);
            assertEquals(refCnt, message.refCnt(), "the inspected slice is not retained for the handler");
            forwardedAtInspection.add(forwarded.size());
            Msg expected = expectedInspected.get(inspected.size());
            inspected.add(bytes);
            return expected.forwardInspected;
        }

        @Override
        public void forward(ByteBuf bytes) {
            assertTrue(bytes.isReadable(), "empty runs are never forwarded");
            forwarded.writeBytes(ByteBufUtil.getBytes(bytes));
            slices.add(bytes);
        }

        void releaseSlices() {
            slices.forEach(ByteBuf::release);
            slices.clear();
        }
    }

    private static Map<Byte, PacketScanner.Action> actionsOf(List<Msg> stream) {
        Map<Byte, PacketScanner.Action> actions = new HashMap<>();
        stream.forEach(m -> actions.put(m.tag, m.action));
        return actions;
    }

    private static byte[] concat(List<Msg> stream, boolean onlyForwarded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stream.stream().filter(m -> !onlyForwarded || m.forwarded()).forEach(m -> out.writeBytes(m.wire));
        return out.toByteArray();
    }

    /** Feeds {@code wire} cut at the given positions into one growing buffer, scanning after every piece. */
    private static Recorder scanInPieces(byte[] wire, int... cuts) {
        Recorder recorder = new Recorder(actionsOf(STREAM), STREAM);
        PacketScanner scanner = new PacketScanner(MAX);
        ByteBuf in = Unpooled.buffer(wire.length);
        int from = 0;
        int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
        ends[cuts.length] = wire.length;
        for (int end : ends) {
            in.writeBytes(wire, from, end - from);
            from = end;
            scanner.scan(in, recorder, NOW);
        }
        assertEquals(0, in.readableBytes(), "everything consumed");
        assertFalse(scanner.inMessage());
        assertEquals(1 + recorder.slices.size(), in.refCnt(), "each forwarded slice holds one reference");
        recorder.releaseSlices();
        assertEquals(1, in.refCnt());
        assertTrue(in.release());
        return recorder;
    }

    private static void assertStreamHandled(Recorder recorder) {
        assertArrayEquals(concat(STREAM, true), recorder.forwarded.toByteArray());
        List<Msg> inspected = STREAM.stream().filter(m -> m.action == PacketScanner.Action.INSPECT).toList();
        assertEquals(inspected.size(), recorder.inspected.size());
        int forwardedBefore = 0;
        int next = 0;
        for (Msg m : STREAM) {
            if (m.action == PacketScanner.Action.INSPECT) {
                assertArrayEquals(m.wire, recorder.inspected.get(next), "inspected message " + next + " whole");
                assertEquals(forwardedBefore, recorder.forwardedAtInspection.get(next),
                        "all bytes before inspected message " + next + " forwarded first, none after");
                next++;
            }
            if (m.forwarded()) {
                forwardedBefore += m.wire.length;
            }
        }
        List<Byte> forwardTags = STREAM.stream()
                .filter(m -> m.action == PacketScanner.Action.FORWARD).map(Msg::tag).toList();
        assertEquals(forwardTags, recorder.forwardHeaders, "a FORWARD header is decided exactly once");
    }

    @Test
    void wholeStreamInOnePiece() {
        assertStreamHandled(scanInPieces(concat(STREAM, false)));
    }

    @Test
    void everySplitIntoTwoPieces() {
        byte[] wire = concat(STREAM, false);
        for (int cut = 0; cut <= wire.length; cut++) {
            assertStreamHandled(scanInPieces(wire, cut));
        }
    }

    @Test
    void everySplitIntoThreePieces() {
        byte[] wire = concat(STREAM, false);
        for (int first = 0; first <= wire.length; first++) {
            for (int second = first; second <= wire.length; second++) {
                assertStreamHandled(scanInPieces(wire, first, second));
            }
        }
    }

    @Test
    void byteByByte() {
        byte[] wire = concat(STREAM, false);
        int[] cuts = new int[wire.length - 1];
        Arrays.setAll(cuts, i -> i + 1);
        assertStreamHandled(scanInPieces(wire, cuts));
    }

    @Test
    void consecutiveForwardedMessagesAreOneSlice() {
        List<Msg> stream = List.of(msg('D', 5, PacketScanner.Action.FORWARD, false),
                msg('D', 0, PacketScanner.Action.FORWARD, false), msg('D', 300, PacketScanner.Action.FORWARD, false));
        Recorder recorder = new Recorder(actionsOf(stream), stream);
        ByteBuf in = Unpooled.wrappedBuffer(concat(stream, false));
        new PacketScanner(MAX).scan(in, recorder, NOW);
        assertEquals(1, recorder.slices.size());
        assertArrayEquals(concat(stream, false), recorder.forwarded.toByteArray());
        recorder.releaseSlices();
        assertTrue(in.release());
    }

    @Test
    void callbacksGetTheTimeOfTheScanThatCallsThem() {
        Msg row = msg('D', 3, PacketScanner.Action.FORWARD, false);
        Msg ready = msg('Z', 1, PacketScanner.Action.INSPECT, false);
        List<Msg> stream = List.of(row, ready);
        Recorder recorder = new Recorder(actionsOf(stream), stream);
        PacketScanner scanner = new PacketScanner(MAX);
        byte[] wire = concat(stream, false);
        ByteBuf in = Unpooled.buffer(wire.length);

        in.writeBytes(wire, 0, wire.length - 1); // the ReadyForQuery's header arrives, its last byte does not
        scanner.scan(in, recorder, 100L);
        in.writeBytes(wire, wire.length - 1, 1);
        scanner.scan(in, recorder, 200L);

        assertEquals(List.of(100L, 100L, 200L), recorder.headerTimes,
                "D and Z offered in the first scan, the incomplete Z again in the second");
        assertEquals(List.of(200L), recorder.messageTimes);
        recorder.releaseSlices();
        assertTrue(in.release());
    }

    @Test
    void stopLeavesTheMessageAndEverythingAfterItUnconsumed() {
        Msg first = msg('P', 6, PacketScanner.Action.FORWARD, false);
        Msg stopped = msg('Q', 8, PacketScanner.Action.STOP, false);
        Msg after = msg('P', 2, PacketScanner.Action.FORWARD, false);
        List<Msg> stream = List.of(first, stopped, after);
        Map<Byte, PacketScanner.Action> actions = actionsOf(stream);
        Recorder recorder = new Recorder(actions, stream);
        PacketScanner scanner = new PacketScanner(MAX);
        ByteBuf in = Unpooled.wrappedBuffer(concat(stream, false));

        scanner.scan(in, recorder, NOW);
        assertArrayEquals(first.wire, recorder.forwarded.toByteArray());
        assertEquals(first.wire.length, in.readerIndex());
        assertFalse(scanner.inMessage());

        scanner.scan(in, recorder, NOW);
        assertEquals(first.wire.length, in.readerIndex(), "still stopped: nothing consumed");
        assertEquals(1, recorder.slices.size());

        actions.put((byte) 'Q', PacketScanner.Action.FORWARD);
        scanner.scan(in, recorder, NOW);
        assertArrayEquals(concat(stream, false), recorder.forwarded.toByteArray());
        assertFalse(in.isReadable());
        recorder.releaseSlices();
        assertTrue(in.release());
    }

    @Test
    void lengthBelowFourIsABadPacketHeader() {
        assertBadHeader(new byte[] {'Q', 0, 0, 0, 3}, MAX, "bad packet header: '5100000003'");
    }

    @Test
    void negativeLengthIsABadPacketHeader() {
        assertBadHeader(new byte[] {'D', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, MAX,
                "bad packet header: '44ffffffff'");
    }

    @Test
    void lengthAboveMaximumIsABadPacketHeader() {
        assertBadHeader(new byte[] {'D', 0, 0, 1, 1}, 256, "bad packet header: '4400000101'");
    }

    @Test
    void lengthAtMaximumIsAccepted() {
        Msg atMax = msg('D', 252, PacketScanner.Action.FORWARD, false);
        Recorder recorder = new Recorder(actionsOf(List.of(atMax)), List.of(atMax));
        ByteBuf in = Unpooled.wrappedBuffer(atMax.wire);
        new PacketScanner(256).scan(in, recorder, NOW);
        assertArrayEquals(atMax.wire, recorder.forwarded.toByteArray());
        recorder.releaseSlices();
        assertTrue(in.release());
    }

    @Test
    void bytesBeforeABadHeaderAreStillForwarded() {
        Msg good = msg('D', 4, PacketScanner.Action.FORWARD, false);
        Recorder recorder = new Recorder(actionsOf(List.of(good)), List.of(good));
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(good.wire).writeBytes(new byte[] {'D', 0, 0, 0, 0});
        PgProtocolException e = assertThrows(PgProtocolException.class,
                () -> new PacketScanner(MAX).scan(in, recorder, NOW));
        assertEquals("bad packet header: '4400000000'", e.getMessage());
        assertArrayEquals(good.wire, recorder.forwarded.toByteArray());
        assertEquals(2, in.refCnt(), "the forwarded run was handed over before the throw");
        recorder.releaseSlices();
        assertTrue(in.release());
    }

    @Test
    void maximumBelowFourIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PacketScanner(3));
    }

    @Test
    void megabyteMessageStreamsThroughInChunksAsTheyArrive() {
        int bodyLength = 1 << 20;
        Msg big = msg('d', bodyLength, PacketScanner.Action.FORWARD, false);
        Msg next = msg('Z', 1, PacketScanner.Action.INSPECT, false);
        List<Msg> stream = List.of(big, next);
        byte[] wire = concat(stream, false);
        Recorder recorder = new Recorder(actionsOf(stream), stream);
        PacketScanner scanner = new PacketScanner(MAX);
        int chunk = 64 * 1024 + 3;
        for (int from = 0; from < big.wire.length; from += chunk) {
            int end = Math.min(from + chunk, big.wire.length);
            ByteBuf in = Unpooled.wrappedBuffer(wire, from, end - from);
            int forwardedBefore = recorder.forwarded.size();
            scanner.scan(in, recorder, NOW);
            assertFalse(in.isReadable(), "every arrived byte of the body passes at once");
            assertEquals(end - from, recorder.forwarded.size() - forwardedBefore);
            assertEquals(end < big.wire.length, scanner.inMessage());
            recorder.releaseSlices();
            assertTrue(in.release(), "no slice of the chunk is kept");
        }
        ByteBuf tail = Unpooled.wrappedBuffer(next.wire);
        scanner.scan(tail, recorder, NOW);
        assertArrayEquals(big.wire, recorder.forwarded.toByteArray());
        assertArrayEquals(next.wire, recorder.inspected.get(0));
        assertTrue(tail.release());
    }

    @Test
    void inspectedMessageWaitsUntilWhole() {
        Msg inspected = msg('S', 20, PacketScanner.Action.INSPECT, false);
        Recorder recorder = new Recorder(actionsOf(List.of(inspected)), List.of(inspected));
        PacketScanner scanner = new PacketScanner(MAX);
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(inspected.wire, 0, 10);
        scanner.scan(in, recorder, NOW);
        assertEquals(0, in.readerIndex());
        assertTrue(recorder.inspected.isEmpty());
        assertFalse(scanner.inMessage(), "an incomplete inspected message is not a partly forwarded one");
        in.writeBytes(inspected.wire, 10, inspected.wire.length - 10);
        scanner.scan(in, recorder, NOW);
        assertArrayEquals(inspected.wire, recorder.inspected.get(0));
        assertTrue(recorder.slices.isEmpty(), "swallowed: nothing forwarded");
        assertTrue(in.release());
    }

    private static void assertBadHeader(byte[] header, int max, String expected) {
        Recorder recorder = new Recorder(Map.of(), List.of());
        ByteBuf in = Unpooled.wrappedBuffer(header);
        PgProtocolException e = assertThrows(PgProtocolException.class,
                () -> new PacketScanner(max).scan(in, recorder, NOW));
        assertEquals(expected, e.getMessage());
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        assertTrue(recorder.slices.isEmpty());
        assertTrue(in.release());
    }

    /** A reply ending in a ReadyForQuery: one slice with the rows when the ReadyForQuery goes on, else the rows. */
    @Test
    void aMessageInspectedInRunGoesOutWithTheRunBeforeIt() {
        for (boolean forwardReady : new boolean[] {true, false}) {
            List<Msg> reply = List.of(
                    msg('T', 20, PacketScanner.Action.FORWARD, false),
                    msg('D', 11, PacketScanner.Action.FORWARD, false),
                    msg('C', 9, PacketScanner.Action.FORWARD, false),
                    msg('Z', 1, PacketScanner.Action.INSPECT_IN_RUN, forwardReady));
            ByteBuf in = Unpooled.buffer();
            reply.forEach(m -> in.writeBytes(m.wire()));
            List<ByteBuf> slices = new ArrayList<>();
            List<Integer> slicesAtInspection = new ArrayList<>();
            new PacketScanner(MAX).scan(in, new PacketScanner.Handler() {
                @Override
                public PacketScanner.Action onHeader(byte tag, int length, long now) {
                    return tag == 'Z' ? PacketScanner.Action.INSPECT_IN_RUN : PacketScanner.Action.FORWARD;
                }

                @Override
                public boolean onMessage(byte tag, ByteBuf message, long now) {
                    slicesAtInspection.add(slices.size());
                    return forwardReady;
                }

                @Override
                public void forward(ByteBuf bytes) {
                    slices.add(bytes);
                }
            }, NOW);
            assertEquals(List.of(0), slicesAtInspection, "the run is held back while the ReadyForQuery is inspected");
            assertEquals(1, slices.size());
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            reply.stream().filter(Msg::forwarded).forEach(m -> expected.writeBytes(m.wire()));
            assertArrayEquals(expected.toByteArray(), ByteBufUtil.getBytes(slices.get(0)));
            assertFalse(in.isReadable());
            slices.forEach(ByteBuf::release);
            in.release();
        }
    }
}
