package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/**
 * Bind ('B', frontend), decoded as a header view: portal and statement names, the number of parameter values
 * and the result-column format codes. Parameter values are skipped, never copied (docs/architecture.md 2.1: eager
 * header, lazy body); a pooler that forwards Bind forwards the original bytes.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public record Bind(String portal, String statement, int parameterCount, short[] resultFormats) {
    /** Format code of text values. */
    public static final short TEXT_FORMAT = 0;
    /** Format code of binary values. */
    public static final short BINARY_FORMAT = 1;

    /** Decodes the body (after tag and length). Does not retain {@code body}. */
    public static Bind decode(ByteBuf body) {
        // 'B' int32 len <here> portal\0 statement\0 int16 nf fmt*nf int16 np (int32 len, bytes)*np int16 nr fmt*nr
        String portal = PgBuf.readCString(body);
        String statement = PgBuf.readCString(body);
        int formatCount = FrontendFields.readCount(body, 2);
        body.skipBytes(formatCount * 2);
        int parameterCount = FrontendFields.readCount(body, 4);
        for (int i = 0; i < parameterCount; i++) {
            FrontendFields.require(body, 4);
            int length = body.readInt();
            if (length > 0) {
                FrontendFields.require(body, length);
                body.skipBytes(length);
            }
        }
        int resultCount = FrontendFields.readCount(body, 2);
        short[] resultFormats = new short[resultCount];
        for (int i = 0; i < resultCount; i++) {
            resultFormats[i] = body.readShort();
        }
        return new Bind(portal, statement, parameterCount, resultFormats);
    }

    /**
     * The format of result column {@code column}: no codes means all text, one code applies to every column,
     * otherwise one code per column.
     */
    public short resultFormat(int column) {
        return switch (resultFormats.length) {
            case 0 -> TEXT_FORMAT;
            case 1 -> resultFormats[0];
            default -> column < resultFormats.length ? resultFormats[column] : TEXT_FORMAT;
        };
    }

    /**
     * Writes to {@code out} the Bind whose body (after tag and length) is {@code body}, with its statement name
     * replaced by {@code statement}; the portal name and everything after the statement name (formats, parameter
     * values, result formats) are copied unread. Does not move or retain {@code body}.
     */
    public static void encodeRenamed(ByteBuf body, String statement, ByteBuf out) {
        ByteBuf in = body.duplicate();
        int portalStart = in.readerIndex();
        PgBuf.skipCString(in);
        int portalEnd = in.readerIndex();
        PgBuf.skipCString(in);
        int len = PgBuf.beginMessage(out, 'B');
        out.writeBytes(body, portalStart, portalEnd - portalStart);
        PgBuf.writeCString(out, statement);
        out.writeBytes(in, in.readerIndex(), in.readableBytes());
        PgBuf.endMessage(out, len);
    }

    /** Encodes a Bind without parameter values (tests and the pooler's own statements). */
    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'B');
        PgBuf.writeCString(out, portal);
        PgBuf.writeCString(out, statement);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(resultFormats.length);
        for (short format : resultFormats) {
            out.writeShort(format);
        }
        PgBuf.endMessage(out, len);
    }

    @Override
    public String toString() {
        return "Bind[portal=" + portal + ", statement=" + statement + ", parameters=" + parameterCount + "]";
    }
}
