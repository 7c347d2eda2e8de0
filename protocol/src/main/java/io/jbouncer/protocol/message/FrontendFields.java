package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;

/** Bounds checks shared by the frontend decoders: a truncated message is a protocol violation, not an IOOBE. */
final class FrontendFields {
    private FrontendFields() {
    }

    /** Reads an int16 count and checks that at least {@code count * elementSize} bytes follow. */
    static int readCount(ByteBuf body, int elementSize) {
        require(body, 2);
        int count = body.readUnsignedShort();
        require(body, count * elementSize);
        return count;
    }

    static void require(ByteBuf body, int bytes) {
        if (body.readableBytes() < bytes) {
            throw new PgProtocolException("truncated message");
        }
    }
}
