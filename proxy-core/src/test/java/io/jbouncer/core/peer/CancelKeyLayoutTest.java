package io.jbouncer.core.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.message.BackendKeyData;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CancelKeyLayoutTest {
    private final Random random = new Random(42);

    /** PgBouncer 1.21+: 8 bytes, positive process id, peer id in bytes 1-2 (LE), TTL 3 in byte 7's low bits. */
    @Test
    void shortKeyCarriesPeerIdAndFullTtl() {
        for (int i = 0; i < 100; i++) {
            BackendKeyData key = CancelKeyLayout.issue(random, false, 0x1234);
            assertEquals(4, key.secretLength());
            assertTrue(key.processId() >= 0);
            assertEquals(0x34, key.byteAt(1));
            assertEquals(0x12, key.byteAt(2));
            assertEquals(0x1234, CancelKeyLayout.peerId(key));
            assertEquals(3, CancelKeyLayout.ttl(key));
        }
    }

    /** Protocol 3.2: a 32-byte secret as PostgreSQL 18's, routed by the same first 8 bytes. */
    @Test
    void longKeyHasTheSameRoutingBytes() {
        BackendKeyData key = CancelKeyLayout.issue(random, true, 7);
        assertEquals(CancelKeyLayout.LONG_SECRET_LENGTH, key.secretLength());
        assertEquals(36, key.length());
        assertTrue(key.processId() >= 0);
        assertEquals(7, CancelKeyLayout.peerId(key));
        assertEquals(3, CancelKeyLayout.ttl(key));
    }

    /** Peering off: nothing but the sign bit is fixed, as PgBouncer's keys without peer_id. */
    @Test
    void withoutPeeringTheKeyIsRandom() {
        boolean sawOtherPeerBytes = false;
        for (int i = 0; i < 50; i++) {
            BackendKeyData key = CancelKeyLayout.issue(random, false, 0);
            assertTrue(key.processId() >= 0);
            sawOtherPeerBytes |= CancelKeyLayout.peerId(key) != 0;
        }
        assertTrue(sawOtherPeerBytes);
    }

    @Test
    void withTtlChangesOnlyTheTtlBits() {
        BackendKeyData key = CancelKeyLayout.issue(random, true, 9);
        BackendKeyData lowered = CancelKeyLayout.withTtl(key, 2);
        assertEquals(2, CancelKeyLayout.ttl(lowered));
        assertNotEquals(key, lowered);
        assertEquals(key, CancelKeyLayout.withTtl(lowered, 3));
        assertEquals(9, CancelKeyLayout.peerId(lowered));
    }
}
