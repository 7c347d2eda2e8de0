package io.jbouncer.core.admin;

import io.jbouncer.admin.view.ConnectionRow;
import io.jbouncer.core.client.Client;
import io.jbouncer.core.client.ClientConnection;
import io.jbouncer.core.client.ClientSession;
import io.jbouncer.core.net.ClientAddress;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.server.ClientPeer;
import io.jbouncer.core.server.ListenerConnection;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.tls.TlsInfo;
import io.jbouncer.protocol.message.BackendKeyData;
import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** SHOW CLIENTS / SHOW SERVERS rows (PgBouncer usage.md) from live connections. */
final class ConnectionRows {
    private ConnectionRows() {
    }

    static ConnectionRow of(Client client) {
        ClientSession session = client.session();
        ServerConnection server = client.linkedServer();
        // PgBouncer's CL_ACTIVE covers idle and linked clients alike; SHOW CLIENTS tells them apart by the link.
        ClientState clientState = client.state();
        String state = clientState.waiting() ? "waiting"
                : clientState == ClientState.CL_ACTIVE && (server != null || client.isConsole()) ? "active" : "idle";
        Channel channel = client.channel();
        return new ConnectionRow("C", session.user(), session.database(), session.replication().shownAs(), state,
                host(ClientAddress.of(channel)), port(ClientAddress.of(channel)), host(channel.localAddress()),
                port(channel.localAddress()), client.connectedMillis(), client.requestMillis(),
                client.waitingNanos() / 1000, false, ptr(client.id()), server == null ? "" : ptr(server.id()), 0,
                TlsInfo.describe(channel),
                session.trackedParameters().getOrDefault("application_name", ""), client.preparedStatementCount(),
                client.id());
    }

    static ConnectionRow of(ServerConnection server) {
        Pool pool = server.pool();
        ClientPeer client = server.linkedClient();
        String state = server.state().showName();
        Channel channel = server.channel();
        BackendKeyData key = server.backendKey();
        String link = client instanceof ClientConnection linked ? ptr(linked.client().id()) : "";
        SocketAddress remote = channel == null ? null : channel.remoteAddress();
        SocketAddress local = channel == null ? null : channel.localAddress();
        return new ConnectionRow("S", pool.key().user(), pool.key().database(), server.replication().shownAs(), state,
                host(remote),
                port(remote), host(local), port(local), server.createdMillis(), server.createdMillis(), 0,
                pool.closeNeeded(server), ptr(server.id()), link, key == null ? 0 : key.processId(),
                TlsInfo.describe(channel), "",
                server.preparedStatementCount(), server.id());
    }

    /**
     * The LISTEN connection of a pool (docs/transaction-mode.md): {@code active} once logged in ({@code new} before),
     * linked to no client, {@code application_name} {@code listener} so it stands out from the pooled servers.
     */
    static ConnectionRow of(ListenerConnection listener, Pool pool) {
        Channel channel = listener.channel();
        BackendKeyData key = listener.backendKey();
        SocketAddress remote = channel == null ? null : channel.remoteAddress();
        SocketAddress local = channel == null ? null : channel.localAddress();
        return new ConnectionRow("S", pool.key().user(), pool.key().database(), "none",
                listener.isReady() ? "active" : "new", host(remote), port(remote), host(local), port(local),
                listener.createdMillis(), listener.createdMillis(), 0, false, ptr(listener.id()), "",
                key == null ? 0 : key.processId(), TlsInfo.describe(channel), "listener", 0, listener.id());
    }

    /** PgBouncer prints a pointer; ours is the connection id in the same hexadecimal form. */
    /** PgBouncer's {@code ptr} column: the connection's id in hex. */
    static String ptr(long id) {
        return String.format("0x%x", id);
    }

    static String host(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return address instanceof DomainSocketAddress ? "unix" : null;
    }

    static int port(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getPort() : 0;
    }
}
