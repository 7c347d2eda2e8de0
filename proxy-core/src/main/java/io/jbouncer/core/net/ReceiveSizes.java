package io.jbouncer.core.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Receive-buffer sizes for client and server channels alike: Netty's adaptive sizing (grow fast after a read that filled its buffer,
 * shrink after two reads that would have fit in half of it) in one small object per channel. Netty's
 * {@code AdaptiveRecvByteBufAllocator} keeps that state in three (a handle, its size calculator and a "maybe more
 * data" supplier, ~110 bytes), and every channel keeps its handle for life: with thousands of idle clients that is
 * a measurable share of each one's bytes (docs/benchmarks.md, "Memory and scale"). Server channels use it too, so
 * that the read loop's calls on the handle meet one class and the JIT inlines them (with two classes they went through
 * interface-dispatch stubs, about 2 % of the relay's user time).
 *
 * <p>Sizes are powers of two from 64 bytes to 64 KiB, starting at 2 KiB (Netty's range, which steps by 16 bytes below
 * 512); a read burst stops after {@value #MAX_READS_PER_EVENT} reads, when auto-read is off, or when the last read
 * did not fill its buffer (Netty's defaults for a stream socket).
 */
final class ReceiveSizes implements RecvByteBufAllocator {
    /**
     * The one allocator of every connection: the per-read state lives in each channel's handle, so one shared object
     * saves its bytes per idle client.
     */
    static final RecvByteBufAllocator SHARED = new ReceiveSizes();
    static final int MAX_READS_PER_EVENT = 16;
    private static final int MIN_SHIFT = 6;
    private static final int MAX_SHIFT = 16;
    private static final int INITIAL_SHIFT = 11;
    /** After a read fills its buffer the next is 16 times larger, as Netty jumps four steps of its table. */
    private static final int GROW_SHIFT = 4;

    @Override
    public Handle newHandle() {
        return new Sizer();
    }

    /** One channel's read state. Its event loop only, as Netty's handles. */
    static final class Sizer implements ExtendedHandle, UncheckedBooleanSupplier {
        private ChannelConfig config;
        private int totalBytesRead;
        private int attemptedBytesRead;
        private int lastBytesRead;
        private byte reads;
        private byte shift = INITIAL_SHIFT;
        /** The previous burst would have fit in half the buffer: one more such burst halves it. */
        private boolean shrinkNext;

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            return 1 << shift;
        }

        @Override
        public void reset(ChannelConfig config) {
            this.config = config;
            reads = 0;
            totalBytesRead = 0;
        }

        @Override
        public void incMessagesRead(int count) {
            reads = (byte) Math.min(MAX_READS_PER_EVENT, reads + count);
        }

        @Override
        public void lastBytesRead(int bytes) {
            if (bytes == attemptedBytesRead) {
                record(bytes); // the buffer filled up: grow before the next read of this burst
            }
            lastBytesRead = bytes;
            if (bytes > 0) {
                totalBytesRead += bytes;
            }
        }

        @Override
        public int lastBytesRead() {
            return lastBytesRead;
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            attemptedBytesRead = bytes;
        }

        @Override
        public int attemptedBytesRead() {
            return attemptedBytesRead;
        }

        @Override
        public boolean continueReading() {
            return continueReading(this);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreData) {
            return config.isAutoRead() && maybeMoreData.get() && reads < MAX_READS_PER_EVENT && totalBytesRead > 0;
        }

        /** The default "maybe more data": the last read filled what it was offered. */
        @Override
        public boolean get() {
            return attemptedBytesRead == lastBytesRead;
        }

        @Override
        public void readComplete() {
            record(totalBytesRead < 0 ? Integer.MAX_VALUE : totalBytesRead);
        }

        private void record(int bytes) {
            if (bytes <= 1 << (shift - 1)) {
                if (shrinkNext) {
                    shift = (byte) Math.max(MIN_SHIFT, shift - 1);
                    shrinkNext = false;
                } else {
                    shrinkNext = true;
                }
            } else if (bytes >= 1 << shift) {
                shift = (byte) Math.min(MAX_SHIFT, shift + GROW_SHIFT);
                shrinkNext = false;
            }
        }
    }
}
