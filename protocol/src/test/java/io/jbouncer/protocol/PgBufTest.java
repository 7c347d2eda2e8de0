package io.jbouncer.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PgBufTest {

    @Test
    void readCStringAdvancesPastTheTerminator() {
        ByteBuf buf = Unpooled.wrappedBuffer("user\0alice\0".getBytes(StandardCharsets.UTF_8));
        assertEquals("user", PgBuf.readCString(buf));
        assertEquals(5, buf.readerIndex());
        assertEquals("alice", PgBuf.readCString(buf));
        assertEquals(0, buf.readableBytes());
        assertTrue(buf.release());
    }

    @Test
    void readCStringDecodesUtf8() {
        ByteBuf buf = Unpooled.wrappedBuffer("h\u00e9\u2168\0".getBytes(StandardCharsets.UTF_8));
        assertEquals("h\u00e9\u2168", PgBuf.readCString(buf));
        assertTrue(buf.release());
    }

    @Test
    void emptyStringIsJustTheTerminator() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {0, 'x'});
        assertEquals("", PgBuf.readCString(buf));
        assertEquals(1, buf.readerIndex());
        assertTrue(buf.release());
    }

    @Test
    void unterminatedStringIsAProtocolViolation() {
        ByteBuf buf = Unpooled.wrappedBuffer("abc".getBytes(StandardCharsets.UTF_8));
        PgProtocolException e = assertThrows(PgProtocolException.class, () -> PgBuf.readCString(buf));
        assertEquals("unterminated string in message", e.getMessage());
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        assertEquals(0, buf.readerIndex(), "nothing consumed");
        assertThrows(PgProtocolException.class, () -> PgBuf.skipCString(buf));
        assertTrue(buf.release());
    }

    @Test
    void terminatorBeyondTheReadableBytesIsNotFound() {
        ByteBuf whole = Unpooled.wrappedBuffer("abc\0".getBytes(StandardCharsets.UTF_8));
        ByteBuf body = whole.slice(0, 3);
        assertThrows(PgProtocolException.class, () -> PgBuf.readCString(body));
        assertTrue(whole.release());
    }

    @Test
    void skipCStringReturnsTheLengthWithoutTerminator() {
        ByteBuf buf = Unpooled.wrappedBuffer("\u00e9t\u00e9\0x\0".getBytes(StandardCharsets.UTF_8));
        assertEquals(5, PgBuf.skipCString(buf), "bytes, not characters");
        assertEquals(6, buf.readerIndex());
        assertEquals(1, PgBuf.skipCString(buf));
        assertTrue(buf.release());
    }

    @Test
    void writeCStringAppendsUtf8AndNul() {
        ByteBuf buf = Unpooled.buffer();
        PgBuf.writeCString(buf, "\u00e9a");
        assertArrayEquals(new byte[] {(byte) 0xc3, (byte) 0xa9, 'a', 0}, ByteBufUtil.getBytes(buf));
        assertTrue(buf.release());
    }

    @Test
    void beginAndEndMessageFrameTagAndSelfCountingLength() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte('x'); // earlier bytes in the buffer must not be counted
        int lengthIndex = PgBuf.beginMessage(buf, 'Q');
        assertEquals(2, lengthIndex);
        PgBuf.writeCString(buf, "SELECT 1");
        PgBuf.endMessage(buf, lengthIndex);
        byte[] expected = {'x', 'Q', 0, 0, 0, 13, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0};
        assertArrayEquals(expected, ByteBufUtil.getBytes(buf));
        assertTrue(buf.release());
    }

    @Test
    void emptyMessageHasLengthFour() {
        ByteBuf buf = Unpooled.buffer();
        PgBuf.endMessage(buf, PgBuf.beginMessage(buf, 'S'));
        assertArrayEquals(new byte[] {'S', 0, 0, 0, 4}, ByteBufUtil.getBytes(buf));
        assertTrue(buf.release());
    }
}
