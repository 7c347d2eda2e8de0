package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CleartextAuthTest {
    private static final StoredSecret PLAIN = new StoredSecret.Plain("pencil");
    private static final StoredSecret MD5 = new StoredSecret.Md5(Md5Auth.passwordHash("user", "pencil"));
    private static final StoredSecret SCRAM = StoredSecret.Scram.fromPassword("pencil", new byte[16], 2);

    @Test
    void rightPasswordMatchesEveryKindOfSecret() {
        assertTrue(CleartextAuth.verify(PLAIN, "user", "pencil"));
        assertTrue(CleartextAuth.verify(MD5, "user", "pencil"));
        assertTrue(CleartextAuth.verify(SCRAM, "user", "pencil"));
    }

    @Test
    void wrongPasswordMatchesNoKindOfSecret() {
        assertFalse(CleartextAuth.verify(PLAIN, "user", "pencil2"));
        assertFalse(CleartextAuth.verify(MD5, "user", "pencil2"));
        assertFalse(CleartextAuth.verify(MD5, "other", "pencil"));
        assertFalse(CleartextAuth.verify(SCRAM, "user", "pencil2"));
    }

    @Test
    void scramSecretIsCheckedAfterSaslPrep() {
        StoredSecret scram = StoredSecret.Scram.fromPassword("IX", new byte[16], 2);
        assertTrue(CleartextAuth.verify(scram, "user", "\u2168"));
    }

    @Test
    void emptyPasswordsNeverMatch() {
        assertFalse(CleartextAuth.verify(new StoredSecret.Plain(""), "user", ""));
        assertFalse(CleartextAuth.verify(new StoredSecret.Plain(""), "user", "x"));
        assertFalse(CleartextAuth.verify(StoredSecret.Scram.fromPassword("", new byte[16], 2), "user", ""));
    }
}
