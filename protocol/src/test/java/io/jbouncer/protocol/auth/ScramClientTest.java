package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramClientTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static ScramClient rfcClient() {
        return new ScramClient("user", Rfc7677.PASSWORD, Rfc7677.CLIENT_NONCE);
    }

    @Test
    void rfc7677Exchange() throws ScramException {
        ScramClient client = rfcClient();
        assertEquals(Rfc7677.CLIENT_FIRST, client.clientFirstMessage());
        assertEquals(Rfc7677.CLIENT_FINAL, client.handleServerFirst(Rfc7677.SERVER_FIRST));
        assertDoesNotThrow(() -> client.verifyServerFinal(Rfc7677.SERVER_FINAL));
    }

    @Test
    void firstMessageHasEmptyUserAndRandomPrintableNonce() {
        String first = new ScramClient("pencil", RANDOM).clientFirstMessage();
        assertTrue(first.startsWith("n,,n=,r="), first);
        String nonce = first.substring("n,,n=,r=".length());
        assertEquals(24, nonce.length(), "18 random bytes in base64");
        assertTrue(nonce.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != ','), nonce);
        assertNotEquals(first, new ScramClient("pencil", RANDOM).clientFirstMessage());
    }

    @Test
    void userNameIsEscaped() {
        assertEquals("n,,n=a=3Db=2Cc,r=xyz", new ScramClient("a=b,c", "p", "xyz").clientFirstMessage());
    }

    @Test
    void wrongServerSignatureIsRejected() throws ScramException {
        ScramClient client = rfcClient();
        client.handleServerFirst(Rfc7677.SERVER_FIRST);
        ScramException e = assertThrows(ScramException.class,
                () -> client.verifyServerFinal("v=" + ScramCrypto.base64(new byte[32])));
        assertEquals("invalid server signature", e.getMessage());
    }

    @Test
    void serverErrorIsReported() throws ScramException {
        ScramClient client = rfcClient();
        client.handleServerFirst(Rfc7677.SERVER_FIRST);
        ScramException e = assertThrows(ScramException.class, () -> client.verifyServerFinal("e=invalid-proof"));
        assertEquals("SCRAM server error: invalid-proof", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "r=" + Rfc7677.CLIENT_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", // nonce not extended
        "r=XYZ" + Rfc7677.CLIENT_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", // nonce not a prefix
        "m=x,r=" + Rfc7677.CLIENT_NONCE + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", // mandatory extension
        "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=" + Rfc7677.CLIENT_NONCE + "abc,i=4096", // wrong order
        "r=" + Rfc7677.CLIENT_NONCE + "abc,s=,i=4096", // empty salt
        "r=" + Rfc7677.CLIENT_NONCE + "abc,s=!!,i=4096", // bad base64
        "r=" + Rfc7677.CLIENT_NONCE + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
        "r=" + Rfc7677.CLIENT_NONCE + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1",
        "r=" + Rfc7677.CLIENT_NONCE + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",
        "r=" + Rfc7677.CLIENT_NONCE + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==",
    })
    void malformedServerFirstIsRejected(String serverFirst) {
        assertThrows(ScramException.class, () -> rfcClient().handleServerFirst(serverFirst));
    }

    @Test
    void verifyBeforeServerFirstIsAProgrammingError() {
        assertThrows(IllegalStateException.class, () -> rfcClient().verifyServerFinal(Rfc7677.SERVER_FINAL));
    }
}
