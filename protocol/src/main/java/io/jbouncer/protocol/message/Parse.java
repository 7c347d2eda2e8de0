package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/**
 * Parse ('P', frontend): creates a prepared statement. {@code parameterTypes} are the OIDs the client
 * specified (0 = unspecified).
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public record Parse(String statement, String sql, int[] parameterTypes) {

    /** Decodes the body (after tag and length). Does not retain {@code body}. */
    public static Parse decode(ByteBuf body) {
        // 'P' int32 len <here> name\0 query\0 int16 n oid*n
        String statement = PgBuf.readCString(body);
        String sql = PgBuf.readCString(body);
        int count = FrontendFields.readCount(body, 4);
        int[] types = new int[count];
        for (int i = 0; i < count; i++) {
            types[i] = body.readInt();
        }
        return new Parse(statement, sql, types);
    }

    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'P');
        PgBuf.writeCString(out, statement);
        PgBuf.writeCString(out, sql);
        out.writeShort(parameterTypes.length);
        for (int type : parameterTypes) {
            out.writeInt(type);
        }
        PgBuf.endMessage(out, len);
    }

    @Override
    public String toString() {
        return "Parse[statement=" + statement + ", parameters=" + parameterTypes.length + "]";
    }

}
