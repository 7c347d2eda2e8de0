package io.jbouncer.protocol;

import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.function.Consumer;

/** Wire bytes for tests that feed handlers and scanners: built with the codecs, returned as arrays (no leaks). */
public final class Wire {
    private Wire() {
    }

    /** What {@code encoder} writes, as an array. */
    public static byte[] encoded(Consumer<ByteBuf> encoder) {
        ByteBuf out = Unpooled.buffer();
        try {
            encoder.accept(out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** A StartupMessage of protocol 3.{@code minor}. */
    public static byte[] startup(int minor, Map<String, String> parameters) {
        return encoded(out -> StartupMessage.encode(out, minor, parameters));
    }

    /** An untagged 8-byte request: SSLRequest, GSSENCRequest, or any code. */
    public static byte[] request(int code) {
        return encoded(out -> out.writeInt(8).writeInt(code));
    }

    /** A PasswordMessage carrying {@code text}. */
    public static byte[] password(String text) {
        return encoded(out -> {
            int len = PgBuf.beginMessage(out, 'p');
            PgBuf.writeCString(out, text);
            PgBuf.endMessage(out, len);
        });
    }

    public static byte[] concat(byte[]... parts) {
        return encoded(out -> {
            for (byte[] part : parts) {
                out.writeBytes(part);
            }
        });
    }
}
