package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/** CommandComplete ('C') with a command tag such as {@code SHOW} or {@code SELECT 3}. */
public final class CommandComplete {
    private CommandComplete() {
    }

    public static void encode(ByteBuf out, String tag) {
        int len = PgBuf.beginMessage(out, 'C');
        PgBuf.writeCString(out, tag);
        PgBuf.endMessage(out, len);
    }

    /** Reads the tag of a whole 'C' message starting at the reader index, without moving indexes. */
    public static String tagOf(ByteBuf message) {
        ByteBuf body = PgBuf.body(message);
        return PgBuf.readCString(body);
    }
}
