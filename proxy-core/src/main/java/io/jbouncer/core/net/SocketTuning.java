package io.jbouncer.core.net;

import io.jbouncer.core.config.Config;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PgBouncer's per-socket TCP settings ({@code tcp_keepalive}, {@code tcp_keepcnt}, {@code tcp_keepidle},
 * {@code tcp_keepintvl}, {@code tcp_user_timeout}, {@code tcp_socket_buffer}), applied to every new client and server
 * TCP socket as PgBouncer's {@code tune_socket()} does. A value of 0 leaves the operating system's default. They are
 * reloadable: each new socket takes the values of the configuration in force when it is opened.
 *
 * <p>The keepalive details and the user timeout are Linux socket options, set through a native transport (epoll or
 * io_uring, each with its own option constants); {@link #unsupportedBy} tells start-up which of them the running
 * transport cannot honour.
 *
 * <p>The options are worked out once per configuration ({@code Pooler.apply} keeps them): each new socket
 * only sets them.
 */
public final class SocketTuning {
    /** The options to set, in a stable order; settings left at 0 are absent. */
    private final Map<ChannelOption<?>, Object> options;

    /**
     * @param linux the running transport's Linux options; null under NIO, where {@link #unsupportedBy} has refused
     *              them
     */
    public SocketTuning(boolean keepalive, int keepcnt, int keepidle, int keepintvl, int userTimeoutMillis,
            int socketBuffer, LinuxSocketOptions linux) {
        Map<ChannelOption<?>, Object> chosen = new LinkedHashMap<>();
        chosen.put(ChannelOption.SO_KEEPALIVE, keepalive);
        if (linux != null) {
            putPositive(chosen, linux.keepcnt(), keepcnt);
            putPositive(chosen, linux.keepidle(), keepidle);
            putPositive(chosen, linux.keepintvl(), keepintvl);
            putPositive(chosen, linux.userTimeout(), userTimeoutMillis);
        }
        putPositive(chosen, ChannelOption.SO_SNDBUF, socketBuffer);
        putPositive(chosen, ChannelOption.SO_RCVBUF, socketBuffer);
        options = Collections.unmodifiableMap(chosen);
    }

    public static SocketTuning of(Config config, Transport transport) {
        return new SocketTuning(config.tcpKeepalive(), config.tcpKeepcnt(), config.tcpKeepidle(),
                config.tcpKeepintvl(), config.tcpUserTimeout(), config.tcpSocketBuffer(), transport.linuxOptions());
    }

    Map<ChannelOption<?>, Object> options() {
        return options;
    }

    /** Sets every option on an accepted (client) socket. */
    public void applyTo(ChannelConfig config) {
        for (Map.Entry<ChannelOption<?>, Object> option : options.entrySet()) {
            set(config, option.getKey(), option.getValue());
        }
    }

    /** Sets every option on the sockets {@code bootstrap} will open (server connections). */
    public Bootstrap applyTo(Bootstrap bootstrap) {
        for (Map.Entry<ChannelOption<?>, Object> option : options.entrySet()) {
            option(bootstrap, option.getKey(), option.getValue());
        }
        return bootstrap;
    }

    /**
     * The names of the settings this configuration sets that {@code transport} cannot apply (empty on the native
     * transports); start-up refuses them rather than ignore them.
     */
    public static List<String> unsupportedBy(Transport transport, Config config) {
        List<String> names = new ArrayList<>();
        if (transport.linuxOptions() != null) {
            return names; // the native transports have every option
        }
        addIfSet(names, "tcp_keepcnt", config.tcpKeepcnt());
        addIfSet(names, "tcp_keepidle", config.tcpKeepidle());
        addIfSet(names, "tcp_keepintvl", config.tcpKeepintvl());
        addIfSet(names, "tcp_user_timeout", config.tcpUserTimeout());
        if (config.soReuseport()) {
            names.add("so_reuseport");
        }
        return names;
    }

    private static void addIfSet(List<String> names, String name, int value) {
        if (value > 0) {
            names.add(name);
        }
    }

    private static void putPositive(Map<ChannelOption<?>, Object> options, ChannelOption<Integer> option,
            int value) {
        if (value > 0) {
            options.put(option, value);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void set(ChannelConfig config, ChannelOption<T> option, Object value) {
        config.setOption(option, (T) value);
    }

    @SuppressWarnings("unchecked")
    private static <T> void option(Bootstrap bootstrap, ChannelOption<T> option, Object value) {
        bootstrap.option(option, (T) value);
    }
}
