package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Authentication* family ('R'): encoders for the pooler acting as a server, and the request codes the
 * pooler reads when it logs in to PostgreSQL.
 */
public final class Authentication {
    public static final int OK = 0;
    public static final int CLEARTEXT_PASSWORD = 3;
    public static final int MD5_PASSWORD = 5;
    public static final int SASL = 10;
    public static final int SASL_CONTINUE = 11;
    public static final int SASL_FINAL = 12;

    private Authentication() {
    }

    public static void encodeOk(ByteBuf out) {
        encodeCode(out, OK);
    }

    public static void encodeCleartextPassword(ByteBuf out) {
        encodeCode(out, CLEARTEXT_PASSWORD);
    }

    public static void encodeMd5Password(ByteBuf out, byte[] salt) {
        int len = PgBuf.beginMessage(out, 'R');
        out.writeInt(MD5_PASSWORD);
        out.writeBytes(salt);
        PgBuf.endMessage(out, len);
    }

    public static void encodeSasl(ByteBuf out, List<String> mechanisms) {
        int len = PgBuf.beginMessage(out, 'R');
        out.writeInt(SASL);
        for (String mechanism : mechanisms) {
            PgBuf.writeCString(out, mechanism);
        }
        out.writeByte(0);
        PgBuf.endMessage(out, len);
    }

    public static void encodeSaslContinue(ByteBuf out, String data) {
        encodeSaslData(out, SASL_CONTINUE, data);
    }

    public static void encodeSaslFinal(ByteBuf out, String data) {
        encodeSaslData(out, SASL_FINAL, data);
    }

    private static void encodeSaslData(ByteBuf out, int code, String data) {
        int len = PgBuf.beginMessage(out, 'R');
        out.writeInt(code);
        out.writeCharSequence(data, StandardCharsets.UTF_8);
        PgBuf.endMessage(out, len);
    }

    private static void encodeCode(ByteBuf out, int code) {
        out.writeByte('R');
        out.writeInt(8);
        out.writeInt(code);
    }
}
