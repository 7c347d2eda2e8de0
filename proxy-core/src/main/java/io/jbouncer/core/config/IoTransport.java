package io.jbouncer.core.config;

/**
 * {@code io_transport}, a jbouncer setting (PgBouncer has no such key): which Netty transport carries the sockets.
 * {@code auto} takes the best one the machine offers (see docs/settings.md for why that is epoll); a named one that
 * cannot load here stops start-up and {@code --check}.
 */
public enum IoTransport implements ConfigName {
    AUTO("auto"),
    /** Netty's native epoll transport (Linux). */
    EPOLL("epoll"),
    /** Netty's native io_uring transport (Linux 5.14 and later, where seccomp allows it). */
    IO_URING("io_uring"),
    /** The JDK's portable NIO selector: no Unix sockets, no Linux TCP options. */
    NIO("nio");

    private final String configName;

    IoTransport(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }

    /**
     * Looks up a transport by name, ignoring ASCII case like the other enumerated settings.
     *
     * @throws IllegalArgumentException when no transport has that name
     */
    public static IoTransport parse(String text) {
        return ConfigName.parse(IoTransport.class, "io transport", text);
    }
}
