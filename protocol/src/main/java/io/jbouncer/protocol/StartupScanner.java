package io.jbouncer.protocol;

import io.jbouncer.protocol.message.CancelRequest;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;

/**
 * Frames what a client sends before it is logged in: the untagged start-up packets (int32 length, int32 code, body)
 * and, during authentication, the tagged password-family messages ('p' int32 length body). It works on a buffer and
 * its reader index only, so the connection handler keeps the socket logic and this class keeps the byte rules, with
 * PgBouncer's error texts ({@code handle_client_startup} in its {@code client.c}).
 *
 * <p>Each call frames at most one packet. When the packet is complete the reader index moves past it and the result
 * holds a slice of its body, valid until the buffer is compacted or released; when it is not, nothing moves and
 * {@code null} comes back: call again with more bytes. Stateless and thread-safe.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class StartupScanner {
    /** SSLRequest's code: 1234 in the high half, 5679 in the low half. */
    public static final int SSL_REQUEST = 80877103;
    /** GSSENCRequest's code: 1234 in the high half, 5680 in the low half. */
    public static final int GSSENC_REQUEST = 80877104;
    /**
     * The longest start-up or authentication packet accepted, length word included. They are small: PgBouncer caps
     * passwords at 2 KB and a StartupMessage names a few parameters.
     */
    public static final int MAX_LENGTH = 16 * 1024;

    /** What an untagged start-up packet asks for. */
    public enum Kind {
        /** SSLRequest: answer 'S' or 'N'. */
        SSL_REQUEST,
        /** GSSENCRequest: answer 'N' (no GSSAPI encryption here). */
        GSSENC_REQUEST,
        /** CancelRequest: the body is the quoted key. */
        CANCEL_REQUEST,
        /** StartupMessage of protocol 3.x: the code is the version word, the body its parameters. */
        STARTUP
    }

    /**
     * One framed start-up packet.
     *
     * @param code the int32 after the length: a request code or the protocol version word
     * @param body the bytes after the code (a slice of the scanned buffer, not retained)
     */
    public record Packet(Kind kind, int code, ByteBuf body) {
    }

    private StartupScanner() {
    }

    /**
     * Frames the next untagged start-up packet.
     *
     * @return the packet, or {@code null} while it is incomplete
     * @throws PgProtocolException {@code bad packet header: '<length>'} for a length below 8 or above
     *                             {@link #MAX_LENGTH}, {@code old V2 protocol not supported} for a protocol 2 startup,
     *                             {@code bad packet header: '<code>'} for any other code; the stream cannot go on
     */
    public static Packet nextStartup(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int start = in.readerIndex();
        // int32 len <here> int32 code, body
        int length = in.getInt(start);
        if (length < 8 || length > MAX_LENGTH) {
            throw new PgProtocolException(String.format("bad packet header: '%08x'", length));
        }
        if (in.readableBytes() < length) {
            return null;
        }
        int code = in.getInt(start + 4);
        ByteBuf body = in.slice(start + 8, length - 8);
        in.skipBytes(length);
        return new Packet(kindOf(code), code, body);
    }

    private static Kind kindOf(int code) {
        if (code == SSL_REQUEST) {
            return Kind.SSL_REQUEST;
        }
        if (code == GSSENC_REQUEST) {
            return Kind.GSSENC_REQUEST;
        }
        if (code == CancelRequest.CODE) {
            return Kind.CANCEL_REQUEST;
        }
        if (code >>> 16 == StartupMessage.PROTOCOL_3) {
            return Kind.STARTUP;
        }
        if (code >>> 16 == 2) {
            throw new PgProtocolException("old V2 protocol not supported");
        }
        throw new PgProtocolException(String.format("bad packet header: '%08x'", code));
    }

    /**
     * Frames the next authentication message ('p': PasswordMessage, SASLInitialResponse or SASLResponse, told apart
     * by the exchange in progress).
     *
     * @return the message body (after tag and length), or {@code null} while it is incomplete
     * @throws PgProtocolException {@code unknown pkt} for another tag or a length below 4 or above
     *                             {@link #MAX_LENGTH}, as soon as the 5-byte header is readable
     */
    public static ByteBuf nextPasswordMessage(ByteBuf in) {
        if (in.readableBytes() < 5) {
            return null;
        }
        int start = in.readerIndex();
        // 'p' int32 len <here> body
        byte tag = in.getByte(start);
        int length = in.getInt(start + 1);
        if (tag != 'p' || length < 4 || length > MAX_LENGTH) {
            throw new PgProtocolException("unknown pkt");
        }
        if (in.readableBytes() < length + 1) {
            return null;
        }
        ByteBuf body = in.slice(start + 5, length - 4);
        in.skipBytes(length + 1);
        return body;
    }
}
