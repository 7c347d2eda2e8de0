package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupMessageTest {

    @Test
    void encodesVersionThreeZeroAndParametersInOrder() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "alice");
        parameters.put("database", "db");
        int length = 4 + 4 + "user\0alice\0database\0db\0\0".length();
        byte[] expected = WireBytes.of().int32(length).int32(3 << 16).cstring("user").cstring("alice")
                .cstring("database").cstring("db").bytes(0).toArray();
        assertArrayEquals(expected, WireBytes.encoded(out -> StartupMessage.encode(out, 0, parameters)));
    }

    @Test
    void decodeKeepsParameterOrderAndSplitsTheVersion() {
        ByteBuf body = Unpooled.wrappedBuffer(WireBytes.of().cstring("user").cstring("u").cstring("options")
                .cstring("-c a=b").cstring("application_name").cstring("psql").bytes(0).toArray());
        StartupMessage startup = StartupMessage.decode(3 << 16 | 2, body);
        assertEquals(3, startup.majorVersion());
        assertEquals(2, startup.minorVersion());
        assertEquals(List.of("user", "options", "application_name"), List.copyOf(startup.parameters().keySet()));
        assertEquals("-c a=b", startup.parameter("options"));
        assertEquals(0, body.readableBytes());
        assertThrows(UnsupportedOperationException.class, () -> startup.parameters().put("x", "y"));
        assertTrue(body.release());
    }

    @Test
    void decodeThenEncodeRoundTrips() {
        Map<String, String> parameters = Map.of("user", "bob");
        byte[] wire = WireBytes.encoded(out -> StartupMessage.encode(out, 0, parameters));
        ByteBuf body = Unpooled.wrappedBuffer(wire, 8, wire.length - 8);
        assertEquals(parameters, StartupMessage.decode(StartupMessage.PROTOCOL_3 << 16, body).parameters());
        assertTrue(body.release());
    }

    @Test
    void missingFinalTerminatorIsAProtocolViolation() {
        ByteBuf body = Unpooled.wrappedBuffer(WireBytes.of().cstring("user").cstring("u").toArray());
        PgProtocolException e = assertThrows(PgProtocolException.class, () -> StartupMessage.decode(3 << 16, body));
        assertEquals("bad startup packet: missing terminator", e.getMessage());
        assertTrue(body.release());
    }

    @Test
    void toStringHidesValues() {
        StartupMessage startup = new StartupMessage(3, 0, Map.of("options", "-c password=secret"));
        assertFalse(startup.toString().contains("secret"));
    }
}
