package io.jbouncer.core.server;

import io.jbouncer.core.session.SessionSettings;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.CompletionStage;

/** What a server connection needs of the client it is linked to. */
public interface ClientPeer {
    /** The client's channel: server output is written here (thread-safe in Netty). */
    Channel channel();

    /**
     * The linked server failed (crashed, or broke a pooling rule). Called on the server's event loop; the client
     * reports {@code error} and closes itself.
     */
    void serverFailed(ErrorResponse error);

    /**
     * The linked server reported a new value of a run-time parameter (after a SET the client ran). Called on the
     * server's event loop; the client remembers tracked parameters so its next server gets the same value.
     */
    void parameterChanged(String name, String value);

    /** The session settings the client makes with SQL, when {@code track_session_settings} follows them. */
    default SessionSettings sessionSettings() {
        return null;
    }

    /**
     * Whether the client must see this CommandComplete, ErrorResponse or ReadyForQuery through
     * {@link #serverReplied} (a transaction-mode client counts its request cycles, and its LISTEN waits for its
     * transaction's end). Server loop, from the message header.
     */
    default boolean watchesReply(byte tag) {
        return false;
    }

    /**
     * A reply to the client's own requests that it {@link #watchesReply watches}; server loop, before it is
     * forwarded.
     * Returns {@code null}, or for a ReadyForQuery what must complete before it is sent to the client (the
     * client's new LISTEN being in force elsewhere first).
     */
    default CompletionStage<?> serverReplied(byte tag, ByteBuf message) {
        return null;
    }

    /**
     * The ReadyForQuery that ended the client's transaction has been written to it: after a release (transaction or
     * statement mode), or after {@link #serverReplied} asked it to wait. Server loop, or the thread that completed
     * what it waited for.
     */
    default void released() {
    }
}
