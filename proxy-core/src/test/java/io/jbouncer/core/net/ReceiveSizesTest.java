package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;

class ReceiveSizesTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final RecvByteBufAllocator.ExtendedHandle sizer =
            (RecvByteBufAllocator.ExtendedHandle) new ReceiveSizes().newHandle();

    @Test
    void readsAsManyTimesPerEventAsNettysOwnSocketSizer() {
        NioSocketChannel socket = new NioSocketChannel();
        try {
            MaxMessagesRecvByteBufAllocator own = socket.config().getRecvByteBufAllocator();
            assertEquals(own.maxMessagesPerRead(), ReceiveSizes.MAX_READS_PER_EVENT);
        } finally {
            socket.unsafe().closeForcibly();
        }
        sizer.reset(channel.config());
        int reads = 0;
        do {
            read(sizer.guess());
            reads++;
        } while (sizer.continueReading());
        assertEquals(ReceiveSizes.MAX_READS_PER_EVENT, reads);
    }

    @Test
    void startsWhereNettysAdaptiveSizerStarts() {
        assertEquals(new AdaptiveRecvByteBufAllocator().newHandle().guess(), sizer.guess());
    }

    @Test
    void stopsAfterAReadThatDidNotFillItsBuffer() {
        sizer.reset(channel.config());
        read(100);
        assertFalse(sizer.continueReading());
    }

    @Test
    void stopsWhenAutoReadIsOff() {
        sizer.reset(channel.config());
        read(sizer.guess());
        assertTrue(sizer.continueReading());
        channel.config().setAutoRead(false);
        assertFalse(sizer.continueReading());
    }

    @Test
    void stopsAtEndOfStream() {
        sizer.reset(channel.config());
        sizer.attemptedBytesRead(sizer.guess());
        sizer.lastBytesRead(-1);
        sizer.incMessagesRead(1);
        assertFalse(sizer.continueReading());
    }

    @Test
    void growsSixteenfoldAfterAFullReadUpTo64KiB() {
        sizer.reset(channel.config());
        read(2048);
        assertEquals(32768, sizer.guess(), "the next read of the same burst gets the larger buffer");
        read(32768);
        assertEquals(65536, sizer.guess());
        read(65536);
        assertEquals(65536, sizer.guess());
    }

    @Test
    void shrinksByHalfAfterTwoBurstsThatFitInHalfDownTo64Bytes() {
        burst(1024);
        assertEquals(2048, sizer.guess(), "one small burst does not shrink it");
        burst(1024);
        assertEquals(1024, sizer.guess());
        burst(600);
        burst(600);
        assertEquals(1024, sizer.guess(), "more than half of the buffer keeps it");
        for (int i = 0; i < 40; i++) {
            burst(10);
        }
        assertEquals(64, sizer.guess());
    }

    /** One read event that reads {@code bytes} into a buffer of the guessed size, then finds nothing more. */
    private void burst(int bytes) {
        sizer.reset(channel.config());
        read(bytes);
        sizer.readComplete();
    }

    private void read(int bytes) {
        sizer.attemptedBytesRead(sizer.guess());
        sizer.lastBytesRead(bytes);
        sizer.incMessagesRead(1);
    }
}
