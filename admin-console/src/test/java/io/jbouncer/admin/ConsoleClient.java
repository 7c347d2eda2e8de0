package io.jbouncer.admin;

import io.jbouncer.protocol.message.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.function.Consumer;

/** Drives an {@link AdminSession} with encoded frontend messages and returns the decoded replies. */
final class ConsoleClient {
    final FakePoolerView view = new FakePoolerView();
    final RecordingSink sink = new RecordingSink();
    final AdminSession session;

    ConsoleClient(ConsoleRole role) {
        session = new AdminSession(view, role, sink);
    }

    List<BackendMessage> query(String sql) {
        return send(out -> new Query(sql).encode(out));
    }

    /** Encodes messages with {@code writer}, hands them to the session one by one, returns what was sent. */
    List<BackendMessage> send(Consumer<ByteBuf> writer) {
        ByteBuf all = Unpooled.buffer();
        writer.accept(all);
        try {
            while (all.isReadable()) {
                int length = all.getInt(all.readerIndex() + 1);
                ByteBuf message = all.readSlice(length + 1);
                session.handle(message);
            }
        } finally {
            all.release();
        }
        return sink.drain();
    }
}
