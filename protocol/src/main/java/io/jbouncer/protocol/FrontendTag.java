package io.jbouncer.protocol;

/**
 * The type bytes of frontend (client to server) messages after the startup phase, named as in PostgreSQL's
 * "Message Formats". The same letters mean other things in the backend direction ({@link BackendTag}), which is why
 * the two are kept apart.
 *
 * <p>Plain {@code byte} constants rather than an enum: the relay decides from the raw byte of every message header
 * ({@link PacketScanner.Handler#onHeader}), and comparing it with a constant needs no lookup.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class FrontendTag {
    public static final byte BIND = 'B';
    public static final byte CLOSE = 'C';
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';
    public static final byte COPY_FAIL = 'f';
    public static final byte DESCRIBE = 'D';
    public static final byte EXECUTE = 'E';
    public static final byte FLUSH = 'H';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte PARSE = 'P';
    /** PasswordMessage, and the SASL and GSS responses, which share its type byte. */
    public static final byte PASSWORD = 'p';
    public static final byte QUERY = 'Q';
    public static final byte SYNC = 'S';
    public static final byte TERMINATE = 'X';

    private FrontendTag() {
    }
}
