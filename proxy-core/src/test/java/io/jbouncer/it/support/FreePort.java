package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Finds a loopback TCP port that is free right now (another process may still take it before we bind it). */
public final class FreePort {

    private FreePort() {
    }

    /** Binds an ephemeral port on 127.0.0.1, closes it, and returns its number. */
    public static int find() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
