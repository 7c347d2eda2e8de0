package io.jbouncer.admin;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** A {@link ReplySink} that decodes and keeps every reply buffer. */
final class RecordingSink implements ReplySink {
    final List<List<BackendMessage>> sends = new ArrayList<>();
    boolean closed;

    @Override
    public synchronized void send(ByteBuf replies) {
        sends.add(BackendMessage.decodeAll(replies));
    }

    @Override
    public synchronized void sendAndClose(ByteBuf replies) {
        send(replies);
        closed = true;
    }

    /** All messages sent so far, in order, and forgets them. */
    synchronized List<BackendMessage> drain() {
        List<BackendMessage> all = new ArrayList<>();
        sends.forEach(all::addAll);
        sends.clear();
        return all;
    }

    static String tags(List<BackendMessage> messages) {
        StringBuilder sb = new StringBuilder();
        messages.forEach(m -> sb.append(m.tag()));
        return sb.toString();
    }
}
