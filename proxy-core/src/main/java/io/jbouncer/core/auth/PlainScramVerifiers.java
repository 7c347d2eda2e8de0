package io.jbouncer.core.auth;

import io.jbouncer.protocol.auth.StoredSecret;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SCRAM verifiers for users whose stored secret is a plain password, derived once per user, password and
 * {@code scram_iterations} rather than once per login.
 *
 * <p>Deriving a verifier runs PBKDF2 ({@code scram_iterations} HMACs, 4096 by default): about a millisecond of CPU
 * on the client's event loop, which made a SCRAM login against a plain auth_file entry the dearest login there is.
 * PostgreSQL itself keeps one salt per password, so a verifier kept with its random salt is what a PostgreSQL
 * server would show the client; it also makes a known user's salt as stable as the mock salt of an unknown one
 * ({@link ClientAuthenticator}), so the salt no longer tells which users exist. A changed password or iteration
 * count is a new key, so a reload that changes them gets a fresh verifier.
 *
 * <p>Thread-safe: any client loop. Bounded: past {@value #MAX_ENTRIES} entries (many users, or many password changes
 * over a long life) the map starts afresh rather than grow, and the next logins derive again.
 */
final class PlainScramVerifiers {
    static final int MAX_ENTRIES = 10_000;

    private record Key(String user, String password, int iterations) {
    }

    private final Map<Key, StoredSecret.Scram> verifiers = new ConcurrentHashMap<>();
    private final SecureRandom random;

    PlainScramVerifiers(SecureRandom random) {
        this.random = random;
    }

    /** The verifier of {@code user}'s plain password with {@code iterations}, derived on the first call only. */
    StoredSecret.Scram of(String user, StoredSecret.Plain plain, int iterations) {
        Key key = new Key(user, plain.password(), iterations);
        StoredSecret.Scram known = verifiers.get(key);
        if (known != null) {
            return known;
        }
        if (verifiers.size() >= MAX_ENTRIES) {
            verifiers.clear();
        }
        // derived outside the map's lock; when two first logins race, both use the one that was stored first
        StoredSecret.Scram derived = StoredSecret.Scram.fromPassword(plain.password(), iterations, random);
        StoredSecret.Scram raced = verifiers.putIfAbsent(key, derived);
        return raced != null ? raced : derived;
    }

    /** Verifiers held now (for tests). */
    int size() {
        return verifiers.size();
    }
}
