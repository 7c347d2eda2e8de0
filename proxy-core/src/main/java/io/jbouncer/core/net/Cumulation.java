package io.jbouncer.core.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * The unread bytes of one inbound stream, kept between reads the way {@link ByteToMessageDecoder} does: an empty
 * cumulation adopts the incoming buffer; otherwise bytes are merged, copying when forwarded slices still share the
 * old buffer. Owns its buffer: {@link #release()} must be called when the channel closes.
 */
public final class Cumulation {
    private ByteBuf buffer;

    /** Appends {@code in} (ownership passes here) and returns the buffer to scan. */
    public ByteBuf append(ByteBufAllocator alloc, ByteBuf in) {
        buffer = buffer == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, buffer, in);
        return buffer;
    }

    /** The buffer to scan again, or {@code null} when nothing is buffered. */
    public ByteBuf buffer() {
        return buffer;
    }

    public boolean isEmpty() {
        return buffer == null || !buffer.isReadable();
    }

    /** Drops what was consumed: frees an exhausted buffer, compacts one that no forwarded slice shares. */
    public void trim() {
        if (buffer == null) {
            return;
        }
        if (!buffer.isReadable()) {
            buffer.release();
            buffer = null;
        } else if (buffer.refCnt() == 1) {
            buffer.discardSomeReadBytes();
        }
    }

    /**
     * Takes out what is left unread, for the next handler when the one owning this cumulation leaves the pipeline:
     * a copy the caller owns (so that handler's own cumulation starts on a buffer of its own), or {@code null} when
     * nothing is left. This cumulation is empty afterwards.
     */
    public ByteBuf takeRest(ByteBufAllocator alloc) {
        ByteBuf rest = isEmpty() ? null : alloc.buffer(buffer.readableBytes()).writeBytes(buffer);
        release();
        return rest;
    }

    public void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
