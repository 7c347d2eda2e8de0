package io.jbouncer.core.pool;

import io.jbouncer.protocol.auth.StoredSecret;
import java.net.SocketAddress;
import java.util.Map;

/**
 * Where a pool's servers connect and what they send: the address (TCP or Unix socket), the user and its secret
 * (nullable: a trust server needs none), and the StartupMessage parameters ({@code user}, {@code database} and the
 * connection string's extras).
 */
public record ServerTarget(SocketAddress address, String user, StoredSecret secret,
                           Map<String, String> startupParameters) {

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "ServerTarget[" + address + ", " + user + "]";
    }
}
