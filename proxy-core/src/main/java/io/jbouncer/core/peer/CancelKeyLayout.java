package io.jbouncer.core.peer;

import io.jbouncer.protocol.message.BackendKeyData;
import java.util.Random;

/**
 * The cancel keys jbouncer issues to its clients, and what a key says about where it belongs.
 *
 * <p>Protocol 3.0 clients get PgBouncer's 8-byte key (PgBouncer 1.21+ layout, so jbouncer and PgBouncer processes can
 * be peers): random bytes, the top bit of byte 0 cleared (the first four bytes are read as a process id, which some
 * clients expect positive); with {@code peer_id} set, bytes 1 and 2 hold the peer id (little-endian) and the low two
 * bits of byte 7 the forwarding TTL, 3 when issued.
 *
 * <p>Protocol 3.2 clients get a long key, 4 bytes of process id and a 32-byte secret as PostgreSQL 18 issues, laid
 * out the same way in its first 8 bytes so one rule routes keys of either length:
 * <pre>
 *   byte  0..3   process id: random, top bit clear; bytes 1-2 = peer_id (LE) when peering is on
 *   byte  4..7   random; low 2 bits of byte 7 = TTL when peering is on
 *   byte  8..15  routing part: random today, reserved for a tier of poolers in front of this one to mark
 *                which instance behind it issued the key (receivers must compare it as part of the key and
 *                must not read it)
 *   byte 16..35  random
 * </pre>
 * A long key keeps 269 random bits with peering on (PgBouncer's 8-byte key keeps 45), so guessing one is hopeless.
 * A pooler stacked in front of jbouncer needs nothing of this: it quotes the key it was given, whatever its length.
 */
public final class CancelKeyLayout {
    /** The secret length of a long key: PostgreSQL 18's. */
    public static final int LONG_SECRET_LENGTH = 32;
    /** The TTL bits of byte 7; a key is issued with both set, so it may be forwarded three times. */
    public static final int TTL_MASK = 0x03;
    private static final int TTL_BYTE = 7;

    private CancelKeyLayout() {
    }

    /**
     * A new random key for a client.
     *
     * @param longKey a 3.2 long key, else the 8-byte 3.0 key
     * @param peerId this process's {@code peer_id}; 0 = peering off, no peer id or TTL in the key
     */
    public static BackendKeyData issue(Random random, boolean longKey, int peerId) {
        byte[] key = new byte[4 + (longKey ? LONG_SECRET_LENGTH : BackendKeyData.SHORT_SECRET_LENGTH)];
        random.nextBytes(key);
        key[0] &= 0x7F;
        if (peerId > 0) {
            key[1] = (byte) peerId;
            key[2] = (byte) (peerId >>> 8);
            key[TTL_BYTE] |= TTL_MASK;
        }
        return BackendKeyData.of(key);
    }

    /** The peer id a key carries in bytes 1-2 (meaningful only where peering is on). */
    public static int peerId(BackendKeyData key) {
        return (key.byteAt(1) & 0xFF) | (key.byteAt(2) & 0xFF) << 8;
    }

    /** How many more times the key may be forwarded to a peer. */
    public static int ttl(BackendKeyData key) {
        return key.byteAt(TTL_BYTE) & TTL_MASK;
    }

    /** The key with its TTL bits set to {@code ttl} (0..3), the rest unchanged. */
    public static BackendKeyData withTtl(BackendKeyData key, int ttl) {
        byte[] bytes = key.bytes();
        bytes[TTL_BYTE] = (byte) (bytes[TTL_BYTE] & ~TTL_MASK | ttl & TTL_MASK);
        return BackendKeyData.of(bytes);
    }
}
