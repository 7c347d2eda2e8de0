package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class ErrorResponseTest {

    /** PgBouncer's own errors carry the fields S, C and M only (as PgBouncer 1.25 sends them). */
    @Test
    void fatalEncodesSeverityCodeAndMessageOnly() {
        byte[] expected = WireBytes.of()
                .bytes('S').cstring("FATAL")
                .bytes('C').cstring("08P01")
                .bytes('M').cstring("query_wait_timeout")
                .bytes(0).message('E');
        assertArrayEquals(expected,
                WireBytes.encoded(ErrorResponse.fatal("08P01", "query_wait_timeout")::encode));
    }

    @Test
    void detailIsAddedAfterTheMessage() {
        byte[] expected = WireBytes.of()
                .bytes('S').cstring("ERROR")
                .bytes('C').cstring("08P01")
                .bytes('M').cstring("m")
                .bytes('D').cstring("d")
                .bytes(0).message('E');
        assertArrayEquals(expected, WireBytes.encoded(new ErrorResponse("ERROR", "08P01", "m", "d")::encode));
    }

    @Test
    void noticeIsTaggedN() {
        byte[] encoded = WireBytes.encoded(ErrorResponse.notice("hello", null)::encodeAsNotice);
        assertEquals('N', encoded[0]);
        ByteBuf body = Unpooled.wrappedBuffer(encoded, 5, encoded.length - 5);
        assertEquals(new ErrorResponse("NOTICE", "00000", "hello", null), ErrorResponse.decode(body));
        assertFalse(body.isReadable(), "decoding stops after the terminating zero");
        assertTrue(body.release());
    }

    @Test
    void toByteBufEncodesTheSameBytes() {
        ErrorResponse error = ErrorResponse.error("42601", "syntax error");
        ByteBuf buf = error.toByteBuf(ByteBufAllocator.DEFAULT);
        try {
            assertArrayEquals(WireBytes.encoded(error::encode), ByteBufUtil.getBytes(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void decodeKeepsSeverityCodeMessageDetailAndSkipsOtherFields() {
        byte[] body = WireBytes.of()
                .bytes('S').cstring("FEHLER")
                .bytes('V').cstring("ERROR")
                .bytes('C').cstring("3D000")
                .bytes('M').cstring("database \"x\" does not exist")
                .bytes('D').cstring("detail")
                .bytes('H').cstring("hint")
                .bytes('F').cstring("postinit.c")
                .bytes(0).toArray();
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        assertEquals(new ErrorResponse("ERROR", "3D000", "database \"x\" does not exist", "detail"),
                ErrorResponse.decode(buf));
        assertTrue(buf.release());
    }

    @Test
    void nonLocalizedSeverityWinsWhicheverComesFirst() {
        byte[] vFirst = WireBytes.of().bytes('V').cstring("FATAL").bytes('S').cstring("SCHWER").bytes(0).toArray();
        byte[] sOnly = WireBytes.of().bytes('S').cstring("FATAL").bytes(0).toArray();
        assertEquals("FATAL", decode(vFirst).severity());
        assertEquals("FATAL", decode(sOnly).severity());
        assertNull(decode(new byte[] {0}).severity());
    }

    @Test
    void fatalAndPanicAreFatal() {
        assertTrue(ErrorResponse.fatal("08P01", "x").isFatal());
        assertTrue(new ErrorResponse("PANIC", "XX000", "x", null).isFatal());
        assertFalse(ErrorResponse.error("08P01", "x").isFatal());
    }

    private static ErrorResponse decode(byte[] body) {
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        try {
            return ErrorResponse.decode(buf);
        } finally {
            buf.release();
        }
    }
}
