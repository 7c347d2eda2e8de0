package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendKeyDataTest {

    /** A protocol 3.0 key: process id and a 4-byte secret, message length 12. */
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

    /** Protocol 3.2: the secret is as long as the message says (PostgreSQL 18 sends 32 bytes). */
    @Test
    void longKeyRoundTripsThroughBackendKeyDataAndCancelRequest() {
        byte[] wire = new byte[36];
        for (int i = 0; i < wire.length; i++) {
            wire[i] = (byte) (i + 1);
        }
        BackendKeyData key = BackendKeyData.of(wire);
        assertEquals(0x01020304, key.processId());
        assertEquals(32, key.secretLength());
        byte[] message = WireBytes.encoded(key::encode);
        assertEquals(1 + 4 + 36, message.length);
        assertEquals(key, BackendKeyData.decode(Unpooled.wrappedBuffer(message, 5, 36)));

        byte[] request = WireBytes.encoded(out -> CancelRequest.encode(out, key));
        assertEquals(8 + 36, request.length);
        assertEquals(8 + 36, Unpooled.wrappedBuffer(request).getInt(0));
        assertEquals(CancelRequest.CODE, Unpooled.wrappedBuffer(request).getInt(4));
        assertEquals(key, CancelRequest.decode(Unpooled.wrappedBuffer(request, 8, 36)));
    }

    @Test
    void equalityIsByValueAndToStringHidesTheSecret() {
        assertEquals(new BackendKeyData(1, 2), BackendKeyData.of(new byte[] {0, 0, 0, 1, 0, 0, 0, 2}));
        assertEquals(new BackendKeyData(1, 2).hashCode(), BackendKeyData.of(new byte[] {0, 0, 0, 1, 0, 0, 0, 2})
                .hashCode());
        assertNotEquals(new BackendKeyData(1, 2), new BackendKeyData(1, 3));
        assertEquals("BackendKeyData[pid=1, secret=4 bytes]", new BackendKeyData(1, 0x7fabcdef).toString());
    }

    /** An 8-byte key is held in a long, a longer one as bytes: both read back as their wire form, byte by byte. */
    @Test
    void bytesAndByteAtGiveTheWireFormOfShortAndLongKeys() {
        byte[] shortWire = {0x01, 0x02, 0x03, 0x04, (byte) 0xfe, (byte) 0xdc, (byte) 0xba, (byte) 0x98};
        byte[] longWire = new byte[36];
        for (int i = 0; i < longWire.length; i++) {
            longWire[i] = (byte) (0xf0 - i);
        }
        for (byte[] wire : List.of(shortWire, longWire)) {
            BackendKeyData key = BackendKeyData.of(wire);
            assertArrayEquals(wire, key.bytes());
            for (int i = 0; i < wire.length; i++) {
                assertEquals(wire[i], key.byteAt(i), "byte " + i);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> key.byteAt(wire.length));
            assertEquals(wire.length, key.length());
        }
        assertArrayEquals(shortWire, new BackendKeyData(0x01020304, 0xfedcba98).bytes());
        assertEquals(0x01020304, BackendKeyData.of(shortWire).processId());
    }

    /** A long key's process id is its first four bytes, big-endian, whatever the sign of the first. */
    @Test
    void processIdOfALongKeyIsItsFirstFourBytes() {
        byte[] wire = new byte[4 + 32];
        Arrays.fill(wire, (byte) 0xff);
        wire[0] = (byte) 0x80;
        wire[1] = 0x01;
        wire[2] = (byte) 0xfe;
        wire[3] = 0x7f;
        assertEquals(0x8001fe7f, BackendKeyData.of(wire).processId());
        assertEquals(0x8001fe7f, new BackendKeyData(0x8001fe7f, -1).processId(), "an 8-byte key with the same id");
    }

    /** Shorter than a 3.0 secret or longer than 256 bytes: a protocol violation, never an exception of the JDK. */
    @Test
    void refusesImpossibleLengths() {
        for (int length : List.of(0, 4, 7, 4 + 257)) {
            assertThrows(PgProtocolException.class, () -> BackendKeyData.of(new byte[length]), "length " + length);
        }
        assertEquals(256, BackendKeyData.of(new byte[4 + 256]).secretLength());
    }
}
