package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * BackendKeyData ('K'): the process id and secret a client quotes in a CancelRequest. Protocol 3.0 secrets are 4
 * bytes; from protocol 3.2 (PostgreSQL 18) they may be up to 256 bytes (PostgreSQL issues 32). The key is held as
 * its wire bytes (process id, big-endian, then the secret), so it can be compared, hashed and sent on as it came.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class BackendKeyData {
    /** The 3.0 secret length (PgBouncer's only one). */
    public static final int SHORT_SECRET_LENGTH = 4;
    /** The longest secret protocol 3.2 allows. */
    public static final int MAX_SECRET_LENGTH = 256;

    private final byte[] key;

    private BackendKeyData(byte[] key) {
        int secret = key.length - 4;
        if (secret < SHORT_SECRET_LENGTH || secret > MAX_SECRET_LENGTH) {
            throw new PgProtocolException("invalid cancel key length: " + secret);
        }
        this.key = key;
    }

    /** A 3.0 key: process id and a 4-byte secret. */
    public BackendKeyData(int processId, int secret) {
        this(new byte[] {(byte) (processId >>> 24), (byte) (processId >>> 16), (byte) (processId >>> 8),
            (byte) processId, (byte) (secret >>> 24), (byte) (secret >>> 16), (byte) (secret >>> 8), (byte) secret});
    }

    /**
     * A key from its wire bytes: the process id then a secret of 4 to 256 bytes (copied).
     *
     * @throws PgProtocolException for any other length
     */
    public static BackendKeyData of(byte[] key) {
        return new BackendKeyData(key.clone());
    }

    /** Reads a key from the rest of {@code body} (a BackendKeyData or CancelRequest body). */
    public static BackendKeyData decode(ByteBuf body) {
        byte[] key = new byte[body.readableBytes()];
        body.readBytes(key);
        return new BackendKeyData(key);
    }

    public int processId() {
        return (key[0] & 0xFF) << 24 | (key[1] & 0xFF) << 16 | (key[2] & 0xFF) << 8 | key[3] & 0xFF;
    }

    /** Bytes of the secret: 4 for protocol 3.0, more for a 3.2 long key. */
    public int secretLength() {
        return key.length - 4;
    }

    /** The whole key's length on the wire: process id and secret. */
    public int length() {
        return key.length;
    }

    /** Byte {@code index} of the wire form (0..3 process id, then the secret). */
    public byte byteAt(int index) {
        return key[index];
    }

    /** A copy of the wire form. */
    public byte[] bytes() {
        return key.clone();
    }

    /** Writes the process id and the secret, as a CancelRequest quotes them. */
    public void writeKey(ByteBuf out) {
        out.writeBytes(key);
    }

    /** Writes the BackendKeyData message. */
    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'K');
        writeKey(out);
        PgBuf.endMessage(out, len);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackendKeyData that && Arrays.equals(key, that.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    /** The process id and the secret's length only: a secret must never reach a log line. */
    @Override
    public String toString() {
        return "BackendKeyData[pid=" + processId() + ", secret=" + secretLength() + " bytes]";
    }
}
