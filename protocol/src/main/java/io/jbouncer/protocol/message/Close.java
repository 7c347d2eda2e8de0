package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/**
 * Close ('C', frontend) of a prepared statement ({@link Describe#STATEMENT}) or a portal ({@link Describe#PORTAL}).
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public record Close(byte kind, String name) {

    /** Decodes the body (after tag and length). Does not retain {@code body}. */
    public static Close decode(ByteBuf body) {
        // 'C' int32 len <here> 'S'|'P' name\0
        return new Close(Describe.readKind(body), PgBuf.readCString(body));
    }

    public void encode(ByteBuf out) {
        Describe.encode(out, 'C', kind, name);
    }
}
