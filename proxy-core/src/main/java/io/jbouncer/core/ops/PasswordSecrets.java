package io.jbouncer.core.ops;

import io.jbouncer.protocol.auth.Md5Auth;
import io.jbouncer.protocol.auth.StoredSecret;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The password verifiers {@code jbouncer-admin user add} stores in the auth file, in PostgreSQL's formats, so the
 * file never holds a plaintext password.
 */
final class PasswordSecrets {

    /** PostgreSQL's salt length for SCRAM secrets ({@code SCRAM_DEFAULT_SALT_LEN}). */
    private static final int SCRAM_SALT_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Which verifier to store. */
    enum Kind {
        /** {@code "md5" + md5hex(password + user)}. */
        MD5,
        /** {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} with a random salt. */
        SCRAM
    }

    private PasswordSecrets() {
    }

    /** A new verifier of {@code password} for {@code user}; SCRAM uses {@code scramIterations} and a fresh salt. */
    static String create(Kind kind, String user, String password, int scramIterations) {
        if (kind == Kind.MD5) {
            return Md5Auth.passwordHash(user, password);
        }
        byte[] salt = new byte[SCRAM_SALT_BYTES];
        RANDOM.nextBytes(salt);
        StoredSecret.Scram scram = StoredSecret.Scram.fromPassword(password, salt, scramIterations);
        Base64.Encoder b64 = Base64.getEncoder();
        return "SCRAM-SHA-256$" + scram.iterations() + ":" + b64.encodeToString(scram.salt()) + "$"
                + b64.encodeToString(scram.storedKey()) + ":" + b64.encodeToString(scram.serverKey());
    }

    /**
     * Whether {@code stored} is already a verifier of kind {@code kind} for this password, so that adding the user
     * again changes nothing (a SCRAM secret is checked by deriving it again with its own salt and iterations).
     */
    static boolean matches(String stored, Kind kind, String user, String password) {
        if (stored == null) {
            return false;
        }
        StoredSecret secret = StoredSecret.parse(stored);
        return switch (kind) {
            case MD5 -> secret instanceof StoredSecret.Md5 && stored.equals(Md5Auth.passwordHash(user, password));
            case SCRAM -> secret instanceof StoredSecret.Scram scram
                    && StoredSecret.Scram.fromPassword(password, scram.salt(), scram.iterations()).equals(scram);
        };
    }
}
