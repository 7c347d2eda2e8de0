package io.jbouncer.protocol.message;

import io.jbouncer.protocol.Wire;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Test helpers: build expected wire bytes by hand and capture what an encoder writes. */
final class WireBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private WireBytes() {
    }

    static WireBytes of() {
        return new WireBytes();
    }

    WireBytes bytes(int... values) {
        for (int value : values) {
            out.write(value);
        }
        return this;
    }

    WireBytes int16(int value) {
        return bytes(value >>> 8 & 0xff, value & 0xff);
    }

    WireBytes int32(int value) {
        return bytes(value >>> 24 & 0xff, value >>> 16 & 0xff, value >>> 8 & 0xff, value & 0xff);
    }

    WireBytes text(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    WireBytes cstring(String s) {
        return text(s).bytes(0);
    }

    byte[] toArray() {
        return out.toByteArray();
    }

    /** A typed message: the tag, then the self-counting length, then the body built so far. */
    byte[] message(char tag) {
        byte[] body = toArray();
        WireBytes framed = of().bytes(tag).int32(body.length + 4);
        framed.out.writeBytes(body);
        return framed.toArray();
    }

    /** Runs an encoder into a fresh buffer and returns the bytes written, releasing the buffer. */
    static byte[] encoded(Consumer<ByteBuf> encoder) {
        return Wire.encoded(encoder);
    }
}
