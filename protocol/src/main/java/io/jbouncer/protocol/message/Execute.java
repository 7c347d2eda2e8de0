package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/**
 * Execute ('E', frontend): runs a portal; {@code maxRows} 0 means no limit.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public record Execute(String portal, int maxRows) {

    /** Decodes the body (after tag and length). Does not retain {@code body}. */
    public static Execute decode(ByteBuf body) {
        // 'E' int32 len <here> portal\0 int32 maxRows
        String portal = PgBuf.readCString(body);
        FrontendFields.require(body, 4);
        return new Execute(portal, body.readInt());
    }

    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'E');
        PgBuf.writeCString(out, portal);
        out.writeInt(maxRows);
        PgBuf.endMessage(out, len);
    }
}
