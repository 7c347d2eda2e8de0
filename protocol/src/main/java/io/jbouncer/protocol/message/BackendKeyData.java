package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * BackendKeyData ('K'): the process id and secret a client quotes in a CancelRequest. Protocol 3.0 secrets are 4
 * bytes; from protocol 3.2 (PostgreSQL 18) they may be up to 256 bytes (PostgreSQL issues 32). The key is compared,
 * hashed and sent on as its wire bytes (process id, big-endian, then the secret).
 *
 * <p>An 8-byte key (protocol 3.0's only kind, PgBouncer's, and what nearly every client is issued) is held in a
 * {@code long}, a longer one as its bytes: every logged-in client holds its key for life, and an array of 8 bytes
 * in its place would cost 16 bytes more per idle client (docs/benchmarks.md, "Memory and scale"). Each length has
 * one form, so equal keys compare equal.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class BackendKeyData {
    /** The 3.0 secret length (PgBouncer's only one). */
    public static final int SHORT_SECRET_LENGTH = 4;
    /** The longest secret protocol 3.2 allows. */
    public static final int MAX_SECRET_LENGTH = 256;
    private static final int SHORT_KEY_LENGTH = 4 + SHORT_SECRET_LENGTH;

    /** The wire bytes of an 8-byte key, big-endian; 0 for a long key. */
    private final long shortKey;
    /** The wire bytes of a longer key; {@code null} for an 8-byte key. */
    private final byte[] longKey;

    private BackendKeyData(long shortKey, byte[] longKey) {
        this.shortKey = shortKey;
        this.longKey = longKey;
    }

    /** A 3.0 key: process id and a 4-byte secret. */
    public BackendKeyData(int processId, int secret) {
        this((long) processId << 32 | secret & 0xFFFFFFFFL, null);
    }

    /**
     * A key from its wire bytes: the process id then a secret of 4 to 256 bytes (copied).
     *
     * @throws PgProtocolException for any other length
     */
    public static BackendKeyData of(byte[] key) {
        return decode(Unpooled.wrappedBuffer(key));
    }

    /**
     * Reads a key from the rest of {@code body} (a BackendKeyData or CancelRequest body).
     *
     * @throws PgProtocolException when the secret is shorter than 4 or longer than 256 bytes
     */
    public static BackendKeyData decode(ByteBuf body) {
        int secret = body.readableBytes() - 4;
        if (secret < SHORT_SECRET_LENGTH || secret > MAX_SECRET_LENGTH) {
            throw new PgProtocolException("invalid cancel key length: " + secret);
        }
        if (secret == SHORT_SECRET_LENGTH) {
            return new BackendKeyData(body.readLong(), null);
        }
        byte[] key = new byte[body.readableBytes()];
        body.readBytes(key);
        return new BackendKeyData(0, key);
    }

    /**
     * The key's first four bytes, big-endian (ByteBuffer's default order). Read for SHOW rows and log lines only, never
     * per transaction, so wrapping the long key costs nothing that matters.
     */
    public int processId() {
        return longKey == null ? (int) (shortKey >>> 32) : ByteBuffer.wrap(longKey).getInt();
    }

    /** Bytes of the secret: 4 for protocol 3.0, more for a 3.2 long key. */
    public int secretLength() {
        return length() - 4;
    }

    /** The whole key's length on the wire: process id and secret. */
    public int length() {
        return longKey == null ? SHORT_KEY_LENGTH : longKey.length;
    }

    /** Byte {@code index} of the wire form (0..3 process id, then the secret). */
    public byte byteAt(int index) {
        Objects.checkIndex(index, length());
        return longKey == null ? (byte) (shortKey >>> (8 * (SHORT_KEY_LENGTH - 1 - index))) : longKey[index];
    }

    /** A copy of the wire form. */
    public byte[] bytes() {
        byte[] copy = new byte[length()];
        writeKey(Unpooled.wrappedBuffer(copy).clear());
        return copy;
    }

    /** Writes the process id and the secret, as a CancelRequest quotes them. */
    public void writeKey(ByteBuf out) {
        if (longKey == null) {
            out.writeLong(shortKey);
        } else {
            out.writeBytes(longKey);
        }
    }

    /** Writes the BackendKeyData message. */
    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'K');
        writeKey(out);
        PgBuf.endMessage(out, len);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackendKeyData that && shortKey == that.shortKey && Arrays.equals(longKey, that.longKey);
    }

    @Override
    public int hashCode() {
        return longKey == null ? Long.hashCode(shortKey) : Arrays.hashCode(longKey);
    }

    /** The process id and the secret's length only: a secret must never reach a log line. */
    @Override
    public String toString() {
        return "BackendKeyData[pid=" + processId() + ", secret=" + secretLength() + " bytes]";
    }
}
