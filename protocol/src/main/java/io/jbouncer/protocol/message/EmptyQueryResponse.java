package io.jbouncer.protocol.message;

import io.netty.buffer.ByteBuf;

/** EmptyQueryResponse ('I'): the reply to a Query holding no statement. */
public final class EmptyQueryResponse {
    private EmptyQueryResponse() {
    }

    public static void encode(ByteBuf out) {
        out.writeByte('I');
        out.writeInt(4);
    }
}
