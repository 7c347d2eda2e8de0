package io.jbouncer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks a cleartext password (PgBouncer's {@code auth_type = plain}, or a server's
 * {@code AuthenticationCleartextPassword}) against any kind of {@link StoredSecret}. Stateless and thread-safe.
 */
public final class CleartextAuth {
    private CleartextAuth() {
    }

    /**
     * Whether {@code password}, sent in clear by {@code user}, matches {@code secret}: equal plaintext, equal MD5
     * hash, or, for SCRAM, equal StoredKey and ServerKey after deriving them with the secret's salt and
     * iterations. Comparisons are constant time. An empty password or an empty plaintext secret never matches.
     */
    public static boolean verify(StoredSecret secret, String user, String password) {
        if (password.isEmpty()) {
            return false;
        }
        if (secret instanceof StoredSecret.Plain plain) {
            return !plain.password().isEmpty() && MessageDigest.isEqual(utf8(plain.password()), utf8(password));
        }
        if (secret instanceof StoredSecret.Md5 md5) {
            return MessageDigest.isEqual(utf8(md5.hash()), utf8(Md5Auth.passwordHash(user, password)));
        }
        StoredSecret.Scram scram = (StoredSecret.Scram) secret;
        StoredSecret.Scram derived = StoredSecret.Scram.fromPassword(password, scram.salt(), scram.iterations());
        // evaluate both comparisons so that timing does not tell which key differed
        boolean storedKeyMatches = MessageDigest.isEqual(scram.storedKey(), derived.storedKey());
        boolean serverKeyMatches = MessageDigest.isEqual(scram.serverKey(), derived.serverKey());
        return storedKeyMatches & serverKeyMatches;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
