package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * CancelRequest: the untyped packet quoting a BackendKeyData, sent on a fresh connection. 16 bytes with a protocol
 * 3.0 key; with a 3.2 long key its length follows the key (up to 8 + 4 + 256 bytes).
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class CancelRequest {
    /** The request code in place of a protocol version: 1234 in the high half, 5678 in the low half. */
    public static final int CODE = 80877102;
    /** The length of a request quoting a 3.0 key. */
    public static final int PACKET_LENGTH = 16;
    /** The length of a request quoting the longest key protocol 3.2 allows. */
    public static final int MAX_PACKET_LENGTH = 8 + 4 + BackendKeyData.MAX_SECRET_LENGTH;

    private CancelRequest() {
    }

    public static void encode(ByteBuf out, BackendKeyData key) {
        out.writeInt(8 + key.length());
        out.writeInt(CODE);
        key.writeKey(out);
    }

    /**
     * The key quoted by a CancelRequest body (the bytes after the length and code words).
     *
     * @throws PgProtocolException when the key is shorter than 3.0's or longer than 3.2 allows
     */
    public static BackendKeyData decode(ByteBuf body) {
        return BackendKeyData.decode(body);
    }
}
