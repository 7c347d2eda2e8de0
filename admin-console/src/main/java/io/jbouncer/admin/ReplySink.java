package io.jbouncer.admin;

import io.netty.buffer.ByteBuf;

/**
 * Where an {@link AdminSession} writes its replies. Ownership of each buffer passes to the sink. Calls may come
 * from any thread and later than the message they answer (PAUSE, SUSPEND, WAIT_CLOSE complete when the pooler
 * says so), but never concurrently and always in reply order, because the session serialises them.
 */
public interface ReplySink {
    void send(ByteBuf replies);

    /** Writes {@code replies} (possibly empty), then closes the connection. */
    void sendAndClose(ByteBuf replies);
}
