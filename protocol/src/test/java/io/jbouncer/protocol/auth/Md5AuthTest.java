package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Md5AuthTest {
    /** PostgreSQL: {@code SELECT 'md5' || md5('pencil' || 'user')}. */
    private static final String PENCIL_USER_HASH = "md520c46e3762c864548e296b33c3406aa9";
    private static final byte[] SALT = {1, 2, 3, 4};
    /** md5hex("20c46e3762c864548e296b33c3406aa9" bytes + 01 02 03 04), computed with Python's hashlib. */
    private static final String PENCIL_USER_RESPONSE = "md54376eb6913b38f9aaff38dc7cf19ca76";

    @Test
    void passwordHashMatchesPostgresql() throws Exception {
        String independent = "md5" + HexFormat.of().formatHex(
                MessageDigest.getInstance("MD5").digest("penciluser".getBytes(StandardCharsets.UTF_8)));
        assertEquals(PENCIL_USER_HASH, independent);
        assertEquals(PENCIL_USER_HASH, Md5Auth.passwordHash("user", "pencil"));
    }

    @Test
    void saltedResponseHashesTheHexDigitsAndTheRawSalt() {
        assertEquals(PENCIL_USER_RESPONSE, Md5Auth.saltedResponse(PENCIL_USER_HASH, SALT));
    }

    @Test
    void verifyAcceptsTheRightResponseForPlainAndMd5Secrets() {
        assertTrue(Md5Auth.verify(new StoredSecret.Plain("pencil"), "user", SALT, PENCIL_USER_RESPONSE));
        assertTrue(Md5Auth.verify(new StoredSecret.Md5(PENCIL_USER_HASH), "user", SALT, PENCIL_USER_RESPONSE));
    }

    @Test
    void verifyRejectsWrongResponseUserOrSalt() {
        StoredSecret secret = new StoredSecret.Md5(PENCIL_USER_HASH);
        assertFalse(Md5Auth.verify(secret, "user", SALT, Md5Auth.saltedResponse(Md5Auth.passwordHash("user", "x"),
                SALT)));
        assertFalse(Md5Auth.verify(new StoredSecret.Plain("pencil"), "other", SALT, PENCIL_USER_RESPONSE));
        assertFalse(Md5Auth.verify(secret, "user", new byte[] {1, 2, 3, 5}, PENCIL_USER_RESPONSE));
        assertFalse(Md5Auth.verify(secret, "user", SALT, PENCIL_USER_RESPONSE.toUpperCase()));
        assertFalse(Md5Auth.verify(secret, "user", SALT, ""));
    }

    @Test
    void emptyPlainSecretNeverMatches() {
        String response = Md5Auth.saltedResponse(Md5Auth.passwordHash("user", ""), SALT);
        assertFalse(Md5Auth.verify(new StoredSecret.Plain(""), "user", SALT, response));
    }

    @Test
    void scramSecretCannotAnswerMd5() {
        StoredSecret scram = StoredSecret.Scram.fromPassword("pencil", new byte[16], 1);
        assertThrows(IllegalArgumentException.class,
                () -> Md5Auth.verify(scram, "user", SALT, PENCIL_USER_RESPONSE));
    }
}
