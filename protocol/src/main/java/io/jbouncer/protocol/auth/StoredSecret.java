package io.jbouncer.protocol.auth;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user's password as stored in {@code auth_file} or returned by {@code auth_query}: plaintext, an MD5 hash or a
 * SCRAM-SHA-256 secret. Immutable; {@code toString} never prints secret material.
 */
public sealed interface StoredSecret permits StoredSecret.Plain, StoredSecret.Md5, StoredSecret.Scram {

    /**
     * Classifies a stored password the way PgBouncer does: {@code "md5"} followed by 32 lowercase hex digits is an
     * MD5 hash, a well-formed {@code SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>} is a SCRAM secret
     * (base64 parts, 32-byte keys, iterations &gt; 0), and anything else, including near misses, is plaintext.
     */
    static StoredSecret parse(String raw) {
        Objects.requireNonNull(raw, "raw");
        if (Md5.FORMAT.matcher(raw).matches()) {
            return new Md5(raw);
        }
        Scram scram = Scram.parseOrNull(raw);
        return scram != null ? scram : new Plain(raw);
    }

    /** A plaintext password. The empty password is representable but never passes a password check. */
    record Plain(String password) implements StoredSecret {
        public Plain {
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Plain[password=<redacted>]";
        }
    }

    /** A PostgreSQL MD5 hash: {@code "md5" + md5hex(password + user)}, hex in lowercase. */
    record Md5(String hash) implements StoredSecret {
        private static final Pattern FORMAT = Pattern.compile("md5[0-9a-f]{32}");

        public Md5 {
            if (!FORMAT.matcher(hash).matches()) {
                throw new IllegalArgumentException("hash: not \"md5\" followed by 32 lowercase hex digits");
            }
        }

        @Override
        public String toString() {
            return "Md5[hash=<redacted>]";
        }
    }

    /**
     * A SCRAM-SHA-256 secret as PostgreSQL stores it. Arrays are copied in and out, and equality compares contents.
     */
    record Scram(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) implements StoredSecret {
        private static final String PREFIX = "SCRAM-SHA-256$";
        private static final String B64 = "([A-Za-z0-9+/]+={0,2})";
        private static final Pattern FORMAT =
                Pattern.compile(Pattern.quote(PREFIX) + "([0-9]{1,10}):" + B64 + "\\$" + B64 + ":" + B64);

        public Scram {
            if (iterations <= 0) {
                throw new IllegalArgumentException("iterations: " + iterations + " (expected: > 0)");
            }
            if (salt.length == 0) {
                throw new IllegalArgumentException("salt: empty");
            }
            if (storedKey.length != ScramCrypto.KEY_LENGTH || serverKey.length != ScramCrypto.KEY_LENGTH) {
                throw new IllegalArgumentException(
                        "storedKey/serverKey: expected " + ScramCrypto.KEY_LENGTH + " bytes");
            }
            salt = salt.clone();
            storedKey = storedKey.clone();
            serverKey = serverKey.clone();
        }

        /**
         * Derives the secret PostgreSQL would store for {@code password}: SASLprep, PBKDF2 with {@code salt} and
         * {@code iterations}, then StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
         * ServerKey = HMAC(SaltedPassword, "Server Key").
         */
        public static Scram fromPassword(String password, byte[] salt, int iterations) {
            byte[] saltedPassword = ScramCrypto.saltedPassword(SaslPrep.prepare(password), salt, iterations);
            byte[] storedKey = ScramCrypto.sha256(ScramCrypto.clientKey(saltedPassword));
            return new Scram(iterations, salt, storedKey, ScramCrypto.serverKey(saltedPassword));
        }

        /** {@link #fromPassword} with a fresh random salt of PostgreSQL's length, as a new password gets. */
        public static Scram fromPassword(String password, int iterations, SecureRandom random) {
            return fromPassword(password, ScramCrypto.randomBytes(random, ScramCrypto.SALT_LENGTH), iterations);
        }

        private static Scram parseOrNull(String raw) {
            Matcher m = FORMAT.matcher(raw);
            if (!m.matches()) {
                return null;
            }
            long iterations = Long.parseLong(m.group(1)); // at most 10 digits: fits a long
            if (iterations > Integer.MAX_VALUE) {
                return null;
            }
            try {
                Base64.Decoder decoder = Base64.getDecoder();
                byte[] salt = decoder.decode(m.group(2));
                byte[] storedKey = decoder.decode(m.group(3));
                byte[] serverKey = decoder.decode(m.group(4));
                return new Scram((int) iterations, salt, storedKey, serverKey);
            } catch (IllegalArgumentException e) {
                // bad base64, zero iterations, wrong key length: PgBouncer then treats the string as plaintext
                return null;
            }
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        @Override
        public byte[] storedKey() {
            return storedKey.clone();
        }

        @Override
        public byte[] serverKey() {
            return serverKey.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Scram other
                    && iterations == other.iterations
                    && Arrays.equals(salt, other.salt)
                    && Arrays.equals(storedKey, other.storedKey)
                    && Arrays.equals(serverKey, other.serverKey);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * (31 * iterations + Arrays.hashCode(salt)) + Arrays.hashCode(storedKey))
                    + Arrays.hashCode(serverKey);
        }

        @Override
        public String toString() {
            return "Scram[iterations=" + iterations + ", keys=<redacted>]";
        }
    }
}
