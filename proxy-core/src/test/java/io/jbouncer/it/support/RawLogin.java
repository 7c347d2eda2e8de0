package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
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

    /** How long a query sent by {@link #startRunning} may take to show up as running on PostgreSQL. */
    private static final Duration RUNNING_WITHIN = Duration.ofSeconds(10);

    /**
     * Logs in as {@value PostgresCluster#TRUST_USER} to {@value PostgresCluster#DB} (what
     * {@link JBouncerConfig#trust} serves) with protocol {@code 3.minor} and {@code parameters} (name, value...)
     * added to the StartupMessage.
     */
    public static RawLogin trusted(int port, int minor, String... parameters) {
        List<String> all = new ArrayList<>(List.of("user", PostgresCluster.TRUST_USER, "database", PostgresCluster.DB));
        all.addAll(List.of(parameters));
        return of(port, minor, all.toArray(String[]::new));
    }

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

    /** Sends {@code sql} as a simple Query and renders its replies ({@link WireMessages#replies}). */
    public String query(String sql) {
        connection.send(WireMessages.query(sql));
        return WireMessages.replies(connection);
    }

    /**
     * Sends {@code sql} (a long query, for a cancel to end) and returns once PostgreSQL {@code pg} shows it running;
     * its replies are left to read.
     */
    public void startRunning(PostgresCluster pg, String sql) {
        connection.send(WireMessages.query(sql));
        if (!Poll.until(RUNNING_WITHIN, () -> PgStatActivity.of(pg).activeQueries(sql) == 1)) {
            throw new IllegalStateException("not running after " + RUNNING_WITHIN + ": " + sql);
        }
    }

    /** The SQLSTATE of the ErrorResponse the running query ends with ({@code null}: none); reads to ReadyForQuery. */
    public String errorCode() {
        String code = null;
        while (true) {
            RawConnection.Message m = connection.readMessage();
            if (m.tag() == 'E') {
                code = m.fields().get('C');
            } else if (m.tag() == 'Z') {
                return code;
            }
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
