package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoredSecretTest {
    private static final String RFC_SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private static final String RFC_STORED_KEY = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
    private static final String RFC_SERVER_KEY = "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
    private static final String RFC_SECRET =
            "SCRAM-SHA-256$4096:" + RFC_SALT + "$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY;

    @Test
    void lowercaseMd5HashIsMd5() {
        String hash = "md520c46e3762c864548e296b33c3406aa9";
        assertEquals(new StoredSecret.Md5(hash), StoredSecret.parse(hash));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "md520C46E3762C864548E296B33C3406AA9", // uppercase hex
        "md520c46e3762c864548e296b33c3406aa", // 31 digits
        "md520c46e3762c864548e296b33c3406aa90", // 33 digits
        "MD520c46e3762c864548e296b33c3406aa9", // uppercase prefix
        "md520c46e3762c864548e296b33c3406aag", // not hex
        "pencil",
        "",
    })
    void anythingElseThatIsNotScramIsPlain(String raw) {
        assertEquals(new StoredSecret.Plain(raw), StoredSecret.parse(raw));
    }

    @Test
    void wellFormedScramSecretIsParsed() {
        StoredSecret.Scram scram = assertInstanceOf(StoredSecret.Scram.class, StoredSecret.parse(RFC_SECRET));
        assertEquals(4096, scram.iterations());
        assertArrayEquals(Base64.getDecoder().decode(RFC_SALT), scram.salt());
        assertArrayEquals(Base64.getDecoder().decode(RFC_STORED_KEY), scram.storedKey());
        assertArrayEquals(Base64.getDecoder().decode(RFC_SERVER_KEY), scram.serverKey());
    }

    @Test
    void fromPasswordDerivesWhatPostgresqlStores() {
        // keys computed independently (Python hashlib) for RFC 7677's password and salt
        StoredSecret.Scram derived =
                StoredSecret.Scram.fromPassword("pencil", Base64.getDecoder().decode(RFC_SALT), 4096);
        assertEquals(StoredSecret.parse(RFC_SECRET), derived);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SCRAM-SHA-256$4096:" + RFC_SALT + "$" + RFC_STORED_KEY, // no ServerKey
        "SCRAM-SHA-256$4096:" + RFC_SALT + ":" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY, // ':' for '$'
        "SCRAM-SHA-256$0:" + RFC_SALT + "$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY, // zero iterations
        "SCRAM-SHA-256$-1:" + RFC_SALT + "$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY,
        "SCRAM-SHA-256$9999999999:" + RFC_SALT + "$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY, // > int
        "SCRAM-SHA-256$4096:" + RFC_SALT + "$" + RFC_SALT + ":" + RFC_SERVER_KEY, // 16-byte StoredKey
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY, // bad padding
        "SCRAM-SHA-256$4096:" + RFC_SALT + "$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY + "$", // trailing
        "SCRAM-SHA-1$4096:" + RFC_SALT + "$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY,
    })
    void malformedScramSecretIsPlain(String raw) {
        assertEquals(new StoredSecret.Plain(raw), StoredSecret.parse(raw));
    }

    @Test
    void toStringNeverPrintsSecrets() {
        assertFalse(new StoredSecret.Plain("pencil").toString().contains("pencil"));
        assertFalse(StoredSecret.parse("md520c46e3762c864548e296b33c3406aa9").toString().contains("20c46e"));
        String scram = StoredSecret.parse(RFC_SECRET).toString();
        assertFalse(scram.contains(RFC_SALT) || scram.contains(RFC_STORED_KEY) || scram.contains(RFC_SERVER_KEY));
        assertFalse(scram.contains("[B@"), "array identity leaked: " + scram);
    }

    @Test
    void scramCopiesArraysInAndOut() {
        byte[] salt = new byte[16];
        StoredSecret.Scram scram = new StoredSecret.Scram(1, salt, new byte[32], new byte[32]);
        salt[0] = 1;
        scram.salt()[1] = 1;
        assertArrayEquals(new byte[16], scram.salt());
        assertNotSame(scram.storedKey(), scram.storedKey());
    }

    @Test
    void scramRejectsInvalidComponents() {
        assertThrows(IllegalArgumentException.class, () -> new StoredSecret.Scram(0, new byte[16], new byte[32],
                new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new StoredSecret.Scram(1, new byte[0], new byte[32],
                new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new StoredSecret.Scram(1, new byte[16], new byte[31],
                new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new StoredSecret.Md5("md5XYZ"));
    }
}
