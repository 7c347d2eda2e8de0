package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/** ParameterStatus ('S', backend): a run-time parameter the server reports, e.g. {@code TimeZone}. */
public record ParameterStatus(String name, String value) {

    /** Decodes the body (after tag and length). Does not retain {@code body}. */
    public static ParameterStatus decode(ByteBuf body) {
        String name = PgBuf.readCString(body);
        String value = PgBuf.readCString(body);
        return new ParameterStatus(name, value);
    }

    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'S');
        PgBuf.writeCString(out, name);
        PgBuf.writeCString(out, value);
        PgBuf.endMessage(out, len);
    }
}
