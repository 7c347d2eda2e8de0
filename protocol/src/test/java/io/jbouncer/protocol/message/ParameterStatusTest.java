package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class ParameterStatusTest {

    @Test
    void encodesNameAndValueAsCStrings() {
        byte[] expected = WireBytes.of().cstring("TimeZone").cstring("Europe/Berlin").message('S');
        assertArrayEquals(expected, WireBytes.encoded(new ParameterStatus("TimeZone", "Europe/Berlin")::encode));
    }

    @Test
    void emptyValueIsKept() {
        byte[] expected = WireBytes.of().cstring("application_name").cstring("").message('S');
        assertArrayEquals(expected, WireBytes.encoded(new ParameterStatus("application_name", "")::encode));
    }

    @Test
    void decodeReadsTheBodyBack() {
        byte[] wire = WireBytes.encoded(new ParameterStatus("client_encoding", "UTF8")::encode);
        ByteBuf body = Unpooled.wrappedBuffer(wire, 5, wire.length - 5);
        assertEquals(new ParameterStatus("client_encoding", "UTF8"), ParameterStatus.decode(body));
        assertEquals(0, body.readableBytes());
        assertTrue(body.release());
    }

    @Test
    void missingValueTerminatorIsAProtocolViolation() {
        ByteBuf body = Unpooled.wrappedBuffer(WireBytes.of().cstring("TimeZone").text("UTC").toArray());
        assertThrows(PgProtocolException.class, () -> ParameterStatus.decode(body));
        assertTrue(body.release());
    }
}
