package io.jbouncer.core.pool;

import io.jbouncer.core.config.TargetSessionAttrs;
import io.jbouncer.protocol.auth.StoredSecret;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Where a pool's servers connect and what they send: the addresses (TCP or Unix socket; several for a
 * {@code [databases]} host list), whether new connections go round-robin over them ({@code load_balance_hosts}),
 * the user and its secret (nullable: a trust server needs none), the StartupMessage parameters ({@code user},
 * {@code database} and the connection string's extras), the database's {@code connect_query} (null: none), run
 * once on every new server, and which servers qualify ({@code target_session_attrs}). A changed target makes the pool retire its servers, as PgBouncer tags the
 * database dirty.
 */
public record ServerTarget(List<SocketAddress> addresses, boolean roundRobin, String user, StoredSecret secret,
                           Map<String, String> startupParameters, String connectQuery,
                           TargetSessionAttrs sessionAttrs) {

    public ServerTarget {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a server target needs an address");
        }
    }

    /** A target with one address. */
    public static ServerTarget single(SocketAddress address, String user, StoredSecret secret,
            Map<String, String> startupParameters) {
        return new ServerTarget(List.of(address), true, user, secret, startupParameters, null,
                TargetSessionAttrs.ANY);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "ServerTarget[" + addresses + ", " + user + "]";
    }
}
