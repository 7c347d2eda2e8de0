package io.jbouncer.core.net;

import io.jbouncer.core.Log;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.UnixChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The listening sockets: TCP on each {@code listen_addr} ({@code *} = all interfaces) at {@code listen_port}, and
 * the Unix socket {@code <unix_socket_dir>/.s.PGSQL.<listen_port>} where the transport supports it.
 */
public final class Listener {
    /**
     * What to listen on: the values of the restart-only settings of the same names, {@code tcp_defer_accept} (read
     * when the sockets are bound), and the current {@link SocketTuning} and {@link ProxyTrust} for each accepted TCP
     * connection.
     */
    public record Settings(String listenAddr, int listenPort, String unixSocketDir, int unixSocketMode,
                           String unixSocketGroup, int listenBacklog, boolean soReuseport, boolean tcpDeferAccept,
                           Supplier<SocketTuning> tuning, Supplier<ProxyTrust> proxyTrust) {
    }

    /** PgBouncer sets {@code TCP_DEFER_ACCEPT} to the value of {@code tcp_defer_accept}: 1 second. */
    private static final int DEFER_ACCEPT_SECONDS = 1;
    private final Transport transport;
    private final EventLoopGroup workers;
    private final WriteBufferWaterMark waterMark;
    /** Written by the starting thread, read by a shutdown that a signal may start meanwhile. */
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private volatile Channel unixChannel;
    /** False while SUSPEND holds the listening sockets: a pause after a failed accept must not end it. */
    private volatile boolean accepting = true;
    private Path socketFile;

    public Listener(Transport transport, EventLoopGroup workers, WriteBufferWaterMark waterMark) {
        this.transport = transport;
        this.workers = workers;
        this.waterMark = waterMark;
    }

    /**
     * Binds every configured address; each accepted connection gets a handler from {@code clientHandler}.
     *
     * @throws IOException when nothing could be bound, or the Unix socket is in use by a live process
     */
    public void start(Settings settings, Supplier<ChannelHandler> clientHandler) throws IOException {
        // The Unix socket first: once a TCP port accepts connections, the socket exists too (clients and scripts
        // that wait for the port may use either at once).
        String dir = settings.unixSocketDir();
        if (dir != null && !dir.isEmpty() && !dir.startsWith("@")) {
            if (transport.domainSockets()) {
                bindUnix(settings, clientHandler, Path.of(dir, ".s.PGSQL." + settings.listenPort()));
            } else {
                Log.warning("unix sockets need a native transport (epoll, io_uring), not %s: not listening on %s",
                        transport.name(),
                        dir);
            }
        }
        for (String address : splitAddresses(settings.listenAddr())) {
            InetSocketAddress bindTo = "*".equals(address)
                    ? new InetSocketAddress(settings.listenPort())
                    : new InetSocketAddress(address, settings.listenPort());
            try {
                channels.add(tcp(settings, clientHandler).bind(bindTo).sync().channel());
                Log.info("listening on %s", describe(bindTo));
            } catch (Exception e) {
                Log.error("could not bind %s: %s", describe(bindTo), e.getMessage());
            }
        }
        if (channels.isEmpty()) {
            throw new IOException("could not bind any listening socket");
        }
    }

    /** The listening sockets now bound (SHOW FDS). */
    public List<Channel> channels() {
        return List.copyOf(channels);
    }

    /** SUSPEND: stop or resume accepting new connections on every listening socket (the sockets stay bound). */
    public void setAccepting(boolean accepting) {
        this.accepting = accepting;
        for (Channel channel : channels) {
            Reading.set(channel, accepting);
        }
    }

    /**
     * Stops accepting TCP connections but keeps the Unix socket: during a shutdown that waits, operators can still
     * reach the admin console locally (PgBouncer's behaviour).
     */
    public void closeTcp() {
        for (Channel channel : channels) {
            if (channel != unixChannel) {
                channel.close().syncUninterruptibly();
            }
        }
        channels.removeIf(channel -> channel != unixChannel);
    }

    /** Stops accepting: closes every listening socket and removes the Unix socket file. */
    public void close() {
        for (Channel channel : channels) {
            channel.close().syncUninterruptibly();
        }
        channels.clear();
        if (socketFile != null) {
            try {
                Files.deleteIfExists(socketFile);
            } catch (IOException e) {
                Log.warning("could not remove %s: %s", socketFile, e.getMessage());
            }
            socketFile = null;
        }
    }

    private ServerBootstrap tcp(Settings settings, Supplier<ChannelHandler> clientHandler) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, settings.listenBacklog())
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptFailures(() -> accepting))
                // no TCP_NODELAY child option: the epoll, io_uring and NIO socket channel configs of Netty enable it
                // on every accepted socket already (outside Android); setting it again cost a setsockopt per login
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, ReceiveSizes.SHARED)
                .childHandler(new ChannelInitializerOf(clientHandler, settings.tuning(), settings.proxyTrust()));
        LinuxSocketOptions linux = transport.linuxOptions();
        if (linux != null) {
            // A native transport: the Linux listen-socket options (SocketTuning.unsupportedBy refuses them elsewhere).
            bootstrap.option(UnixChannelOption.SO_REUSEPORT, settings.soReuseport())
                    .option(linux.deferAccept(), settings.tcpDeferAccept() ? DEFER_ACCEPT_SECONDS : 0);
        }
        return bootstrap;
    }

    private void bindUnix(Settings settings, Supplier<ChannelHandler> clientHandler, Path path) throws IOException {
        if (Files.exists(path)) {
            if (isLive(path)) {
                throw new IOException("unix socket is in use, cannot continue");
            }
            Files.delete(path); // stale: left behind by a process that died
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(workers)
                .channel(transport.serverDomainChannel())
                .option(ChannelOption.SO_BACKLOG, settings.listenBacklog())
                .handler(new AcceptFailures(() -> accepting))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, ReceiveSizes.SHARED)
                .childHandler(new ChannelInitializerOf(clientHandler, null, null));
        try {
            unixChannel = bootstrap.bind(new DomainSocketAddress(path.toString())).sync().channel();
            channels.add(unixChannel);
        } catch (Exception e) {
            throw new IOException("could not bind " + path + ": " + e.getMessage(), e);
        }
        socketFile = path;
        Files.setPosixFilePermissions(path, permissions(settings.unixSocketMode()));
        if (settings.unixSocketGroup() != null && !settings.unixSocketGroup().isEmpty()) {
            setGroup(path, settings.unixSocketGroup());
        }
        Log.info("listening on unix:%s", path);
    }

    /** {@code unix_socket_group}: PgBouncer refuses to start when the group cannot be found or set. */
    private static void setGroup(Path path, String group) throws IOException {
        try {
            GroupPrincipal principal = path.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(group);
            Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(principal);
        } catch (IOException e) {
            throw new IOException("could not set group of " + path + " to " + group + ": " + e, e);
        }
    }

    private static boolean isLive(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            return false;
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> result = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                result.add(order[bit]);
            }
        }
        return result;
    }

    private static List<String> splitAddresses(String listenAddr) {
        List<String> result = new ArrayList<>();
        if (listenAddr != null) {
            for (String part : listenAddr.split(",")) {
                if (!part.isBlank()) {
                    result.add(part.trim());
                }
            }
        }
        return result;
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
