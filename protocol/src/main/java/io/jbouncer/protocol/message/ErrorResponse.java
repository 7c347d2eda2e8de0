package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * ErrorResponse ('E') and, with {@link #notice}, NoticeResponse ('N'): the fields PgBouncer reads or writes.
 *
 * <p>PgBouncer 1.25 sends only S, C and M; we add D when a detail is given. When decoding a
 * server's message only severity, SQLSTATE and message are kept: the rest is forwarded as bytes.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-error-fields.html">Error and notice fields</a>
 */
public record ErrorResponse(String severity, String sqlState, String message, String detail) {
    public static final String FATAL = "FATAL";
    public static final String ERROR = "ERROR";

    public static ErrorResponse fatal(String sqlState, String message) {
        return new ErrorResponse(FATAL, sqlState, message, null);
    }

    public static ErrorResponse error(String sqlState, String message) {
        return new ErrorResponse(ERROR, sqlState, message, null);
    }

    /** Decodes the body of an 'E' or 'N' message (after tag and length). Does not retain {@code body}. */
    public static ErrorResponse decode(ByteBuf body) {
        String severity = null;
        String code = null;
        String message = null;
        String detail = null;
        while (body.isReadable()) {
            byte field = body.readByte();
            if (field == 0) {
                break;
            }
            String value = PgBuf.readCString(body);
            switch (field) {
                case 'V' -> severity = value; // non-localized severity wins over 'S'
                case 'S' -> severity = severity == null ? value : severity;
                case 'C' -> code = value;
                case 'M' -> message = value;
                case 'D' -> detail = value;
                default -> { }
            }
        }
        return new ErrorResponse(severity, code, message, detail);
    }

    public void encode(ByteBuf out) {
        encode(out, 'E');
    }

    /** Encodes these fields as a NoticeResponse ('N'). */
    public void encodeAsNotice(ByteBuf out) {
        encode(out, 'N');
    }

    public ByteBuf toByteBuf(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(16 + message.length());
        encode(out);
        return out;
    }

    public static ErrorResponse notice(String message, String detail) {
        return new ErrorResponse("NOTICE", "00000", message, detail);
    }

    public boolean isFatal() {
        return FATAL.equals(severity) || "PANIC".equals(severity);
    }

    private void encode(ByteBuf out, char tag) {
        int len = PgBuf.beginMessage(out, tag);
        field(out, 'S', severity);
        field(out, 'C', sqlState);
        field(out, 'M', message);
        field(out, 'D', detail);
        out.writeByte(0);
        PgBuf.endMessage(out, len);
    }

    private static void field(ByteBuf out, char type, String value) {
        if (value != null) {
            out.writeByte(type);
            PgBuf.writeCString(out, value);
        }
    }
}
