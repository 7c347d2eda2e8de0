package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link RawConnection} logged in (trust) with a StartupMessage of a chosen protocol version, and what the login
 * said about the protocol: the NegotiateProtocolVersion messages and the cancel key of the BackendKeyData, which a
 * test quotes in a CancelRequest of its own.
 *
 * @param negotiations the NegotiateProtocolVersion ({@code 'v'}) messages received before ReadyForQuery
 * @param cancelKey the BackendKeyData body: process id, then a 4-byte (3.0) or long (3.2) secret
 */
public record RawLogin(RawConnection connection, List<RawConnection.Message> negotiations, byte[] cancelKey)
        implements AutoCloseable {

    /** Logs in to the pooler at {@code port} with protocol {@code 3.minor} and {@code parameters} (name, value...). */
    public static RawLogin of(int port, int minor, String... parameters) {
        RawConnection raw = RawConnection.open(port);
        try {
            raw.send(RawConnection.startupMessage(3, minor, parameters));
            List<RawConnection.Message> negotiations = new ArrayList<>();
            byte[] key = null;
            while (true) {
                RawConnection.Message m = raw.readMessage();
                switch (m.tag()) {
                    case 'v' -> negotiations.add(m);
                    case 'K' -> key = m.body();
                    case 'E' -> throw new IllegalStateException("login failed: " + m.fields());
                    case 'Z' -> {
                        return new RawLogin(raw, negotiations, key);
                    }
                    default -> { } // AuthenticationOk, ParameterStatus, notices
                }
            }
        } catch (RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The CancelRequest quoting this login's key whole, as a client of its protocol version sends it. */
    public byte[] cancelRequest() {
        return RawConnection.startupPacket(RawConnection.CANCEL_REQUEST, cancelKey);
    }

    /** Sends {@code request} on a connection of its own to {@code port} and waits until the pooler closes it. */
    public static void sendCancel(int port, byte[] request) {
        try (RawConnection cancel = RawConnection.open(port)) {
            cancel.send(request);
            if (!cancel.closedByPeer()) {
                throw new IllegalStateException("the pooler did not close the cancel connection");
            }
        }
    }

    /**
     * Sends {@code request} over the Unix socket {@code socket} (one chosen instance of several sharing a TCP port)
     * and closes: the pooler reads a CancelRequest whole before it acts on it.
     */
    public static void sendCancelOverUnixSocket(Path socket, byte[] request) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer bytes = ByteBuffer.wrap(request);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send a cancel request to " + socket, e);
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
