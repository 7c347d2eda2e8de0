package io.jbouncer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * PostgreSQL's MD5 password scheme (<a href="https://www.postgresql.org/docs/current/auth-password.html">
 * auth-password</a>, {@code AuthenticationMD5Password} in
 * <a href="https://www.postgresql.org/docs/current/protocol-flow.html">protocol-flow</a>): the client answers a
 * 4-byte salt with {@code "md5" + md5hex(md5hex(password + user) + salt)}. Stateless and thread-safe.
 */
public final class Md5Auth {
    private static final String PREFIX = "md5";
    private static final String HEX_DIGITS = "0123456789abcdef";
    /**
     * Cloned for each hash: {@code MessageDigest.getInstance} looks the provider's service up and constructs the
     * digest reflectively on every call, a visible share of a login's CPU when clients reconnect per transaction.
     */
    private static final MessageDigest MD5_PROTOTYPE = newMd5();

    private Md5Auth() {
    }

    /** The hash PostgreSQL stores: {@code "md5" + md5hex(password + user)}. */
    public static String passwordHash(String user, String password) {
        byte[] first = utf8(password);
        return new String(prefixedMd5Hex(first, 0, first.length, utf8(user)), StandardCharsets.US_ASCII);
    }

    /**
     * What a client sends for {@code salt}: {@code "md5" + md5hex(hashWithoutPrefix + salt)}, which is also how
     * the pooler answers a server's MD5 request when it knows only the stored hash.
     */
    public static String saltedResponse(String md5Hash, byte[] salt) {
        return new String(saltedResponseBytes(md5Hash, salt), StandardCharsets.US_ASCII);
    }

    /** {@link #saltedResponse} as ASCII bytes, built without the intermediate strings (it runs on every login). */
    private static byte[] saltedResponseBytes(String md5Hash, byte[] salt) {
        if (!md5Hash.startsWith(PREFIX)) {
            throw new IllegalArgumentException("md5Hash: missing \"md5\" prefix");
        }
        byte[] hash = md5Hash.getBytes(StandardCharsets.US_ASCII);
        return prefixedMd5Hex(hash, PREFIX.length(), hash.length - PREFIX.length(), salt);
    }

    /** {@code "md5" + md5hex(first[offset, offset + length) + second)} as ASCII bytes. */
    private static byte[] prefixedMd5Hex(byte[] first, int offset, int length, byte[] second) {
        MessageDigest md5 = copyOfPrototype();
        md5.update(first, offset, length);
        md5.update(second);
        byte[] digest = md5.digest();
        byte[] hex = new byte[PREFIX.length() + 2 * digest.length];
        for (int i = 0; i < PREFIX.length(); i++) {
            hex[i] = (byte) PREFIX.charAt(i);
        }
        for (int i = 0; i < digest.length; i++) {
            hex[PREFIX.length() + 2 * i] = (byte) HEX_DIGITS.charAt((digest[i] >> 4) & 0xF);
            hex[PREFIX.length() + 2 * i + 1] = (byte) HEX_DIGITS.charAt(digest[i] & 0xF);
        }
        return hex;
    }

    /**
     * Checks a client's MD5 response against a {@link StoredSecret.Plain} or {@link StoredSecret.Md5} secret in
     * constant time. An empty plaintext secret never matches.
     *
     * @throws IllegalArgumentException for a {@link StoredSecret.Scram} secret, which cannot answer an MD5
     *     challenge (PgBouncer switches such users to SCRAM instead)
     */
    public static boolean verify(StoredSecret secret, String user, byte[] salt, String clientResponse) {
        Objects.requireNonNull(clientResponse, "clientResponse");
        String hash;
        if (secret instanceof StoredSecret.Plain plain) {
            if (plain.password().isEmpty()) {
                return false;
            }
            hash = passwordHash(user, plain.password());
        } else if (secret instanceof StoredSecret.Md5 md5) {
            hash = md5.hash();
        } else {
            throw new IllegalArgumentException("MD5 authentication is impossible with a SCRAM secret");
        }
        return MessageDigest.isEqual(saltedResponseBytes(hash, salt), utf8(clientResponse));
    }

    private static MessageDigest copyOfPrototype() {
        try {
            return (MessageDigest) MD5_PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("this JDK's MD5 cannot be cloned", e);
        }
    }

    private static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 is unavailable in this JDK", e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
