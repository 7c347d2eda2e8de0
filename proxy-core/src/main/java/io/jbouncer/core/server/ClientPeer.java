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
     * Whether the client must see this CommandComplete or ErrorResponse through {@link #serverReplied} (a
     * transaction-mode client's LISTEN waits for its transaction's outcome). Server loop, from the message header.
     */
    default boolean watchesReply(byte tag) {
        return false;
    }

    /**
     * A reply to the client's own requests that it {@link #watchesReply watches}; server loop, before it is
     * forwarded.
     */
    default void serverReplied(byte tag, ByteBuf message) {
    }

    /**
     * Client loop, when a server is assigned to it: whether every ReadyForQuery of the new {@link Link} must go to
     * {@link #readyForQuery} (the client has LISTEN state; see {@link Link}, "Watched ReadyForQuery replies").
     */
    default boolean watchesReadyForQuery() {
        return false;
    }

    /**
     * Server loop, for each ReadyForQuery of a watched {@link Link} answering the client's requests, in order and
     * before the link may be released at it. Returns {@code null}, or what must complete before it is sent to the
     * client (the client's new LISTEN being in force elsewhere first).
     */
    default CompletionStage<?> readyForQuery(byte status) {
        return null;
    }

    /**
     * The ReadyForQuery that ended the client's transaction has been written to it: after a release (transaction or
     * statement mode), or after {@link #readyForQuery} asked it to wait. Server loop, or the thread that completed
     * what it waited for.
     */
    default void released() {
    }
}
