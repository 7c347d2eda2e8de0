package io.jbouncer.it.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A program, not a library class: relays each TCP connection accepted on {@code host port} to the Unix socket
 * {@code path}, byte for byte, a thread per direction. {@link ShapedLink} runs it inside a network namespace, where
 * the loopback of the test's PostgreSQL cannot be reached but its Unix socket (a file) can.
 */
public final class UnixRelay {

    private UnixRelay() {
    }

    public static void main(String[] args) throws IOException {
        UnixDomainSocketAddress target = UnixDomainSocketAddress.of(args[2]);
        try (ServerSocketChannel listening = ServerSocketChannel.open()) {
            listening.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
            while (true) {
                SocketChannel client = listening.accept();
                SocketChannel server = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    server.connect(target);
                } catch (IOException e) {
                    closeBoth(client, server);
                    continue;
                }
                pump(client, server);
                pump(server, client);
            }
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        Thread thread = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
            } catch (IOException closed) {
                // the other direction's failure closed the channels; nothing left to relay
            } finally {
                closeBoth(from, to);
            }
        });
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeBoth(SocketChannel a, SocketChannel b) {
        try {
            a.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            b.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
