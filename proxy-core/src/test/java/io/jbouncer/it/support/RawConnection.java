package io.jbouncer.it.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bare TCP connection speaking the PostgreSQL wire protocol byte by byte, for the startup cases no real client
 * produces (protocol 3.2, garbage, a CancelRequest with a made-up key). Reads time out after 10 s so a silent
 * pooler fails the test instead of hanging it.
 */
public final class RawConnection implements AutoCloseable {

    public static final int SSL_REQUEST = 80877103;
    public static final int GSSENC_REQUEST = 80877104;
    public static final int CANCEL_REQUEST = 80877102;
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final DataInputStream in;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects to 127.0.0.1:{@code port}. */
    public static RawConnection open(int port) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            return new RawConnection(socket);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException("cannot connect to 127.0.0.1:" + port, e);
        }
    }

    /** One backend message: its type byte and its body (the bytes after the length word). */
    public record Message(char tag, byte[] body) {

        /** The body as a buffer positioned at its start. */
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(body);
        }

        /**
         * The fields of an ErrorResponse or NoticeResponse, keyed by their one-letter code ({@code S}, {@code C},
         * {@code M}...), in wire order.
         */
        public Map<Character, String> fields() {
            Map<Character, String> fields = new LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i];
                int end = i + 1;
                while (body[end] != 0) {
                    end++;
                }
                fields.put(code, new String(body, i + 1, end - i - 1, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return fields;
        }
    }

    /** A startup-phase packet: length word, then {@code code}, then {@code payload}. */
    public static byte[] startupPacket(int code, byte[] payload) {
        return ByteBuffer.allocate(8 + payload.length).putInt(8 + payload.length).putInt(code).put(payload).array();
    }

    /** A StartupMessage for protocol {@code major.minor} with {@code parameters} (name, value, name, value...). */
    public static byte[] startupMessage(int major, int minor, String... parameters) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (String parameter : parameters) {
            payload.writeBytes(parameter.getBytes(StandardCharsets.UTF_8));
            payload.write(0);
        }
        payload.write(0);
        return startupPacket(major << 16 | minor, payload.toByteArray());
    }

    /** Writes {@code bytes} and flushes. */
    public void send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send", e);
        }
    }

    /** Reads one byte, such as the answer {@code 'N'} or {@code 'S'} to an SSLRequest. */
    public char readByte() {
        try {
            return (char) in.readUnsignedByte();
        } catch (IOException e) {
            throw new UncheckedIOException("no byte to read", e);
        }
    }

    /** Reads one complete backend message. */
    public Message readMessage() {
        try {
            char tag = (char) in.readUnsignedByte();
            int length = in.readInt();
            byte[] body = new byte[length - 4];
            in.readFully(body);
            return new Message(tag, body);
        } catch (IOException e) {
            throw new UncheckedIOException("no complete message to read", e);
        }
    }

    /**
     * Whether the peer closed the connection with nothing more to read before the read timeout.
     *
     * @throws IllegalStateException if the peer sent another byte instead
     */
    public boolean closedByPeer() {
        try {
            int next = in.read();
            if (next >= 0) {
                throw new IllegalStateException("expected the connection to be closed, got byte " + next);
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true; // a reset is a close too
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do about a failing close of a test socket
        }
    }
}
