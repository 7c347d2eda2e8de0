package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * Describe ('D', frontend) of a prepared statement ({@code 'S'}) or a portal ({@code 'P'}).
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public record Describe(byte kind, String name) {
    public static final byte STATEMENT = 'S';
    public static final byte PORTAL = 'P';

    /** Decodes the body (after tag and length). Does not retain {@code body}. */
    public static Describe decode(ByteBuf body) {
        // 'D' int32 len <here> 'S'|'P' name\0
        return new Describe(readKind(body), PgBuf.readCString(body));
    }

    public void encode(ByteBuf out) {
        encode(out, 'D', kind, name);
    }

    /** Reads the 'S'/'P' byte shared by Describe and Close. */
    static byte readKind(ByteBuf body) {
        FrontendFields.require(body, 1);
        byte kind = body.readByte();
        if (kind != STATEMENT && kind != PORTAL) {
            throw new PgProtocolException("invalid statement/portal type: " + (char) kind);
        }
        return kind;
    }

    static void encode(ByteBuf out, char tag, byte kind, String name) {
        int len = PgBuf.beginMessage(out, tag);
        out.writeByte(kind);
        PgBuf.writeCString(out, name);
        PgBuf.endMessage(out, len);
    }
}
