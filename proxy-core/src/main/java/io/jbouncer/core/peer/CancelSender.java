package io.jbouncer.core.peer;

import io.jbouncer.protocol.message.BackendKeyData;
import java.net.SocketAddress;

/** Sends one CancelRequest on a connection of its own (the connector in production, a recorder in tests). */
@FunctionalInterface
public interface CancelSender {
    /**
     * Sends {@code key} to {@code address}; {@code connected} runs once the request is written, {@code done} exactly
     * once when the connection is over (closed by the other side, failed, or cut at {@code cancel_wait_timeout}).
     * Both may run on any thread.
     */
    void send(SocketAddress address, BackendKeyData key, Runnable connected, Runnable done);
}
