package io.jbouncer.core.admin;

import io.jbouncer.admin.view.FdRow;
import io.jbouncer.core.client.Client;
import io.jbouncer.core.client.ClientConnection;
import io.jbouncer.core.client.ClientSession;
import io.jbouncer.core.net.ClientAddress;
import io.jbouncer.core.pool.Pool;
import io.jbouncer.core.server.ServerConnection;
import io.jbouncer.core.tls.TlsInfo;
import io.jbouncer.protocol.message.BackendKeyData;
import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * SHOW FDS rows (PgBouncer usage.md): the listening sockets ({@code pooler}), logged-in clients and pool servers, with
 * their real file descriptor numbers, skipping TLS sockets as PgBouncer does. PgBouncer lists them for an online
 * restart, which jbouncer does not do; the rows still tell an operator which descriptor is which. The
 * {@code password} and SCRAM key columns stay empty: with no restart to hand secrets to, the console does not
 * show them.
 */
final class FdRows {
    private FdRows() {
    }

    static List<FdRow> of(List<Channel> listeners, Collection<Client> clients, Collection<Pool> pools) {
        List<FdRow> rows = new ArrayList<>();
        for (Channel listener : listeners) {
            SocketAddress local = listener.localAddress();
            rows.add(new FdRow(fd(listener), "pooler", null, null, ConnectionRows.host(local), ConnectionRows.port(local), 0, 0, null, null, null,
                    null, null, null, null));
        }
        for (Client client : clients) {
            ClientSession session = client.session();
            Channel channel = client.channel();
            if (session == null || client.isConsole() || channel == null || TlsInfo.isTls(channel)) {
                continue;
            }
            ServerConnection server = client.linkedServer();
            SocketAddress remote = ClientAddress.of(channel);
            rows.add(withParameters(fd(channel), "client", session.user(), session.database(), remote,
                    key(session.cancelKey()), server == null ? 0 : fd(server.channel()),
                    session.trackedParameters()));
        }
        for (Pool pool : pools) {
            for (ServerConnection server : pool.servers()) {
                Channel channel = server.channel();
                if (channel == null || !channel.isActive() || TlsInfo.isTls(channel)) {
                    continue;
                }
                ClientConnection relay = server.linkedClient() instanceof ClientConnection c ? c : null;
                rows.add(withParameters(fd(channel), "server", pool.key().user(), pool.key().database(),
                        channel.remoteAddress(), key(server.backendKey()),
                        relay == null || relay.channel() == null ? 0 : fd(relay.channel()),
                        server.reportedParameters()));
            }
        }
        return rows;
    }

    private static FdRow withParameters(int fd, String task, String user, String database, SocketAddress address,
                                        long cancel, int link, Map<String, String> parameters) {
        return new FdRow(fd, task, user, database, ConnectionRows.host(address), ConnectionRows.port(address), cancel, link,
                parameters.get("client_encoding"), parameters.get("standard_conforming_strings"),
                parameters.get("DateStyle"), parameters.get("TimeZone"), null, null, null);
    }

    /** The socket's descriptor; 0 where the transport does not expose one (NIO). */
    private static int fd(Channel channel) {
        return channel instanceof UnixChannel unix ? unix.fd().intValue() : 0;
    }

    /**
     * PgBouncer prints its 8-byte cancel key as one 64-bit number; of a protocol 3.2 long key, the first 8 bytes
     * stand for it (the process id and the routing bytes, see {@code CancelKeyLayout}).
     */
    private static long key(BackendKeyData key) {
        if (key == null) {
            return 0;
        }
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | key.byteAt(i) & 0xFF;
        }
        return value;
    }
}
