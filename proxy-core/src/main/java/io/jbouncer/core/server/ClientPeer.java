package io.jbouncer.core.server;

import io.jbouncer.core.session.SessionSettings;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.channel.Channel;

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
}
