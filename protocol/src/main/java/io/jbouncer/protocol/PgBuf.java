package io.jbouncer.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Static helpers for reading and writing PostgreSQL wire primitives.
 *
 * <p>Reads are bounded and NUL-checked: a missing terminator is a protocol violation (08P01), never an
 * {@link IndexOutOfBoundsException}, because jbouncer faces untrusted clients.
 */
public final class PgBuf {
    private PgBuf() {
    }

    /** Reads a NUL-terminated UTF-8 string and advances past the terminator. */
    public static String readCString(ByteBuf buf) {
        int start = buf.readerIndex();
        int nul = buf.indexOf(start, buf.writerIndex(), (byte) 0);
        if (nul < 0) {
            throw new PgProtocolException("unterminated string in message");
        }
        String s = buf.toString(start, nul - start, StandardCharsets.UTF_8);
        buf.readerIndex(nul + 1);
        return s;
    }

    /** Skips a NUL-terminated string and returns its length in bytes, terminator excluded. */
    public static int skipCString(ByteBuf buf) {
        int start = buf.readerIndex();
        int nul = buf.indexOf(start, buf.writerIndex(), (byte) 0);
        if (nul < 0) {
            throw new PgProtocolException("unterminated string in message");
        }
        buf.readerIndex(nul + 1);
        return nul - start;
    }

    public static void writeCString(ByteBuf buf, String s) {
        buf.writeCharSequence(s, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }

    /**
     * The body of one whole typed message (tag and length word skipped) as a slice of it: not retained, valid as
     * long as {@code message} is.
     */
    public static ByteBuf body(ByteBuf message) {
        return message.slice(message.readerIndex() + 5, message.readableBytes() - 5);
    }

    /**
     * Starts a typed message: writes the tag and a length placeholder. Returns the index of the length field,
     * to be passed to {@link #endMessage}.
     */
    public static int beginMessage(ByteBuf buf, char tag) {
        buf.writeByte(tag);
        int lengthIndex = buf.writerIndex();
        buf.writeInt(0);
        return lengthIndex;
    }

    /** Patches the length field written by {@link #beginMessage}; the length counts itself but not the tag. */
    public static void endMessage(ByteBuf buf, int lengthIndex) {
        buf.setInt(lengthIndex, buf.writerIndex() - lengthIndex);
    }
}
