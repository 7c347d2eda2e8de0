package io.jbouncer.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.function.Consumer;

/** Hands a session the messages {@code writer} encodes, one whole message at a time, as the pooler's framing does. */
final class SessionInput {
    private SessionInput() {
    }

    static void feed(AdminSession session, Consumer<ByteBuf> writer) {
        ByteBuf all = Unpooled.buffer();
        writer.accept(all);
        try {
            while (all.isReadable()) {
                session.handle(all.readSlice(all.getInt(all.readerIndex() + 1) + 1));
            }
        } finally {
            all.release();
        }
    }
}
