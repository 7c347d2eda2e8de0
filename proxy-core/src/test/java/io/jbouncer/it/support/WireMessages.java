package io.jbouncer.it.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Frontend messages built byte by byte for {@link RawConnection} tests that must control exactly what goes on the
 * wire (pipelines, names, errors mid-batch), and a compact rendering of the replies.
 */
public final class WireMessages {
    private WireMessages() {
    }

    /** Logs in as {@code user} (trust) to {@code database} on the pooler at {@code port}; returns at ReadyForQuery. */
    public static RawConnection login(int port, String user, String database) {
        RawConnection raw = RawConnection.open(port);
        raw.send(RawConnection.startupMessage(3, 0, "user", user, "database", database));
        while (raw.readMessage().tag() != 'Z') {
            // AuthenticationOk, ParameterStatus, BackendKeyData
        }
        return raw;
    }

    /**
     * Replies up to ReadyForQuery as their tags separated by blanks, a DataRow as {@code D:<first column>};
     * RowDescription, notices and ParameterStatus are left out.
     */
    public static String replies(RawConnection raw) {
        StringBuilder out = new StringBuilder();
        while (true) {
            RawConnection.Message m = raw.readMessage();
            if (m.tag() == 'T' || m.tag() == 'N' || m.tag() == 'S') {
                continue;
            }
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(m.tag());
            if (m.tag() == 'D') {
                ByteBuffer body = m.buffer();
                body.getShort();
                int length = body.getInt();
                out.append(':').append(new String(m.body(), 6, length, StandardCharsets.UTF_8));
            }
            if (m.tag() == 'Z') {
                return out.toString();
            }
        }
    }

    /** A typed message: strings NUL-terminated, Integer as int32, Short as int16, Byte as one byte. */
    public static byte[] message(char tag, Object... fields) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Object field : fields) {
            if (field instanceof String s) {
                body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
                body.write(0);
            } else if (field instanceof Integer n) {
                body.writeBytes(ByteBuffer.allocate(4).putInt(n).array());
            } else if (field instanceof Short n) {
                body.write(n >> 8);
                body.write(n);
            } else {
                body.write((Byte) field);
            }
        }
        return ByteBuffer.allocate(5 + body.size()).put((byte) tag).putInt(4 + body.size())
                .put(body.toByteArray()).array();
    }

    public static byte[] parse(String name, String sql) {
        return message('P', name, sql, (short) 0);
    }

    /** Bind of {@code statement} to the unnamed portal, no parameters, text results. */
    public static byte[] bind(String statement) {
        return message('B', "", statement, (short) 0, (short) 0, (short) 0);
    }

    /** Execute of the unnamed portal, no row limit. */
    public static byte[] execute() {
        return message('E', "", 0);
    }

    public static byte[] close(String statement) {
        return message('C', (byte) 'S', statement);
    }

    public static byte[] sync() {
        return message('S');
    }

    public static byte[] query(String sql) {
        return message('Q', sql);
    }

    /** SASLInitialResponse choosing SCRAM-SHA-256 with {@code clientFirst} (length-prefixed, not NUL-terminated). */
    public static byte[] saslInitialResponse(String clientFirst) {
        byte[] first = clientFirst.getBytes(StandardCharsets.UTF_8);
        byte[] mechanism = "SCRAM-SHA-256\0".getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(9 + mechanism.length + first.length).put((byte) 'p')
                .putInt(8 + mechanism.length + first.length).put(mechanism).putInt(first.length).put(first).array();
    }

    /** SASLResponse carrying {@code clientFinal}. */
    public static byte[] saslResponse(String clientFinal) {
        byte[] body = clientFinal.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + body.length).put((byte) 'p').putInt(4 + body.length).put(body).array();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
