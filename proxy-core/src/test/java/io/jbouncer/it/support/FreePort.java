package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds a loopback TCP port that is free right now (another process may still take it before we bind it).
 *
 * <p>The port is drawn below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}): a port from that
 * range can be taken as the local port of any outgoing connection (the tests open thousands, to PostgreSQL and to
 * jbouncer) between the check and jbouncer's bind, which then fails with "Address already in use".
 */
public final class FreePort {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 100;

    private FreePort() {
    }

    /** A random free port between 10000 and the ephemeral range, else (a range that starts lower) an ephemeral one. */
    public static int find() {
        int ephemeralStart = ephemeralStart();
        if (ephemeralStart - LOWEST >= 1_000) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, ephemeralStart);
                if (isFree(port)) {
                    return port;
                }
            }
        }
        return bind(0);
    }

    private static boolean isFree(int port) {
        try {
            bind(port);
            return true;
        } catch (UncheckedIOException taken) {
            return false;
        }
    }

    private static int bind(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static int ephemeralStart() {
        try { // readAllLines: Files.readString trusts the size /proc reports, and reads only part of the line
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE, StandardCharsets.US_ASCII).get(0).strip()
                    .split("\\s+")[0]);
        } catch (IOException | RuntimeException unknown) {
            return LOWEST; // not Linux, or unreadable: fall back to an ephemeral port
        }
    }
}
