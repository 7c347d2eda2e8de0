package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class BackendKeyDataTest {

    /** Fact sheet 5.6: always the 8-byte protocol 3.0 key, length 12. */
    @Test
    void encodesTwelveByteMessage() {
        byte[] expected = {'K', 0, 0, 0, 12, 0x01, 0x02, 0x03, 0x04,
            (byte) 0xfe, (byte) 0xdc, (byte) 0xba, (byte) 0x98};
        assertArrayEquals(expected, WireBytes.encoded(new BackendKeyData(0x01020304, 0xfedcba98)::encode));
    }

    @Test
    void decodeReadsProcessIdThenSecret() {
        ByteBuf body = Unpooled.wrappedBuffer(new byte[] {0, 0, 0x30, 0x39, (byte) 0x80, 0, 0, 1});
        assertEquals(new BackendKeyData(12345, 0x80000001), BackendKeyData.decode(body));
        assertEquals(0, body.readableBytes());
        assertTrue(body.release());
    }
}
