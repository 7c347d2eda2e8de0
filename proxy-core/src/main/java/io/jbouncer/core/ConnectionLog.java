package io.jbouncer.core;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * PgBouncer's lines about one connection's life, and the two settings that switch them: {@code log_connections}
 * ({@code login attempt}, {@code new connection to server (from <addr>)}, {@code SSL established}) and
 * {@code log_disconnections} ({@code closing because: <reason> (age=<s>s)}), each at LOG after PgBouncer's
 * connection prefix {@code C-<id>: db/user@addr } or {@code S-<id>: db/user@addr } (PgBouncer src/objects.c
 * disconnect_server and disconnect_client_sqlstate, src/server.c handle_connect).
 *
 * <p>The settings are process-wide, like the rest of {@link Log}'s, and re-read on reload. Callers test them before
 * building a line, so a connection's hot path pays nothing when they are off.
 */
public final class ConnectionLog {
    private static volatile boolean connections = true;
    private static volatile boolean disconnections = true;

    private ConnectionLog() {
    }

    /** {@code log_connections} and {@code log_disconnections}, at start and on each reload. */
    public static void configure(boolean logConnections, boolean logDisconnections) {
        connections = logConnections;
        disconnections = logDisconnections;
    }

    /** {@code log_connections}: logins, new server connections and their TLS are logged. */
    public static boolean connections() {
        return connections;
    }

    /** {@code log_disconnections}: every close is logged with its reason and the connection's age. */
    public static boolean disconnections() {
        return disconnections;
    }

    /**
     * Logs {@code <C|S>-<id>: <prefix> closing because: <reason> (age=<s>s)} at LOG; {@code connectedMillis} is when
     * the connection was opened. Callers ask {@link #disconnections()} first, before building the prefix.
     */
    public static void closing(char side, String id, String prefix, String reason, long connectedMillis) {
        long age = ageSeconds(connectedMillis, System.currentTimeMillis());
        Log.info("%s", closingMessage(side, id, prefix, reason, age));
    }

    static String closingMessage(char side, String id, String prefix, String reason, long ageSeconds) {
        return side + "-" + id + ": " + prefix + " closing because: " + reason + " (age=" + ageSeconds + "s)";
    }

    /** Whole seconds from {@code sinceMillis} to {@code nowMillis}, rounded down as PgBouncer's integer division. */
    static long ageSeconds(long sinceMillis, long nowMillis) {
        return Math.max(0, nowMillis - sinceMillis) / 1000;
    }

    /**
     * An address as PgBouncer's log prefix writes it ({@code pga_str}): {@code ip:port}, {@code [ipv6]:port}, and
     * {@code unix} for a unix socket.
     */
    public static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            // inet_ntop's form: an IPv6 address compressed (RFC 5952), as NetUtil writes it
            String host = inet.getAddress() == null ? inet.getHostString() : NetUtil.toAddressString(inet.getAddress());
            return (inet.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return address instanceof DomainSocketAddress || address == null ? "unix" : address.toString();
    }
}
