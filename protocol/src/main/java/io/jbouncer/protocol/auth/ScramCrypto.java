package io.jbouncer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SCRAM-SHA-256 primitives of <a href="https://www.rfc-editor.org/rfc/rfc5802#section-2.2">RFC 5802 section
 * 2.2</a>, shared by both roles and by {@link StoredSecret.Scram#fromPassword}. Stateless and thread-safe.
 */
final class ScramCrypto {
    /** Length of SHA-256 output, hence of StoredKey, ServerKey, ClientKey and proofs. */
    static final int KEY_LENGTH = 32;
    /** PostgreSQL's {@code SCRAM_DEFAULT_SALT_LEN}. */
    static final int SALT_LENGTH = 16;
    /** Random bytes per nonce; PostgreSQL uses 18 ({@code SCRAM_RAW_NONCE_LEN}). */
    private static final int NONCE_LENGTH = 18;
    private static final String HMAC_SHA_256 = "HmacSHA256";

    private ScramCrypto() {
    }

    /**
     * {@code Hi(password, salt, i)}, which is PBKDF2-HMAC-SHA-256 with a 32-byte output. The JDK encodes the
     * password characters as UTF-8, as SCRAM requires.
     */
    static byte[] saltedPassword(String preparedPassword, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(preparedPassword.toCharArray(), salt, iterations, KEY_LENGTH * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is unavailable in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    static byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key");
    }

    static byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key");
    }

    static byte[] hmac(byte[] key, String message) {
        return hmac(key, message.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA_256);
            mac.init(new SecretKeySpec(key, HMAC_SHA_256));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JDK", e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JDK", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] result = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            result[i] = (byte) (a[i] ^ b[i]);
        }
        return result;
    }

    static byte[] randomBytes(SecureRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A fresh nonce: 18 random bytes in base64, so printable and free of {@code ','}. */
    static String newNonce(SecureRandom random) {
        return base64(randomBytes(random, NONCE_LENGTH));
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * Decodes the value of attribute {@code name}, turning bad base64 into a loggable {@link ScramException}. Only
     * the one canonical encoding passes (RFC 5802: padded, no stray bits): the JDK's decoder also takes a proof
     * without its {@code =} padding, which PostgreSQL refuses (found by ScramFuzzTest).
     */
    static byte[] decodeBase64(char name, String value) throws ScramException {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            decoded = null;
        }
        if (decoded == null || !base64(decoded).equals(value)) {
            throw new ScramException("malformed SCRAM message: attribute '" + name + "' is not valid base64");
        }
        return decoded;
    }
}
