package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/**
 * Query ('Q', frontend): a simple-protocol query string.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public record Query(String sql) {

    /** Decodes the body (after tag and length). Does not retain {@code body}. */
    public static Query decode(ByteBuf body) {
        // 'Q' int32 len <here> query\0
        return new Query(PgBuf.readCString(body));
    }

    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'Q');
        PgBuf.writeCString(out, sql);
        PgBuf.endMessage(out, len);
    }
}
