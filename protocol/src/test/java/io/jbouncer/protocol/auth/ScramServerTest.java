package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScramServerTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] MOCK_KEY = {7, 7, 7};

    @Test
    void rfc7677Exchange() throws ScramException {
        ScramServer server = Rfc7677.server();
        assertEquals(Rfc7677.SERVER_FIRST, server.handleClientFirst(Rfc7677.CLIENT_FIRST));
        assertEquals(Rfc7677.SERVER_FINAL, server.handleClientFinal(Rfc7677.CLIENT_FINAL));
        assertArrayEquals(Rfc7677.secret().storedKey(), ScramCrypto.sha256(server.clientKey()));
    }

    @Test
    void wrongProofFailsAndYieldsNoClientKey() throws ScramException {
        ScramServer server = Rfc7677.server();
        server.handleClientFirst(Rfc7677.CLIENT_FIRST);
        String wrongProof = Rfc7677.CLIENT_FINAL_WITHOUT_PROOF + ",p=" + ScramCrypto.base64(new byte[32]);
        ScramException e = assertThrows(ScramException.class, () -> server.handleClientFinal(wrongProof));
        assertEquals("SCRAM client proof is invalid", e.getMessage());
        assertNull(server.clientKey());
    }

    @Test
    void exchangeIsSingleUse() throws ScramException {
        ScramServer server = Rfc7677.server();
        assertThrows(IllegalStateException.class, () -> server.handleClientFinal(Rfc7677.CLIENT_FINAL));
        ScramServer failed = Rfc7677.server();
        assertThrows(ScramException.class, () -> failed.handleClientFirst("p=tls-unique,,n=,r=abc"));
        assertThrows(IllegalStateException.class, () -> failed.handleClientFirst(Rfc7677.CLIENT_FIRST));
    }

    @Test
    void channelBindingRequestIsRejected() {
        ScramException e = assertThrows(ScramException.class,
                () -> Rfc7677.server().handleClientFirst("p=tls-server-end-point,,n=,r=" + Rfc7677.CLIENT_NONCE));
        assertTrue(e.getMessage().contains("p="), e.getMessage());
    }

    @Test
    void authorizationIdentityIsRejected() {
        ScramException e = assertThrows(ScramException.class,
                () -> Rfc7677.server().handleClientFirst("n,a=admin,n=,r=" + Rfc7677.CLIENT_NONCE));
        assertTrue(e.getMessage().contains("a="), e.getMessage());
    }

    @Test
    void clientThatSupportsChannelBindingIsAcceptedWithMatchingC() throws ScramException {
        ScramServer server = Rfc7677.server();
        server.handleClientFirst("y,,n=,r=" + Rfc7677.CLIENT_NONCE);
        // c= must be base64("y,,"); the "n,," binding of the RFC message does not match
        assertThrows(ScramException.class, () -> server.handleClientFinal(Rfc7677.CLIENT_FINAL));

        ScramServer again = Rfc7677.server();
        again.handleClientFirst("y,,n=,r=" + Rfc7677.CLIENT_NONCE);
        assertTrue(again.handleClientFinal(clientFinalForGs2HeaderY()).startsWith("v="));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "n",
        "n,",
        "x,,n=,r=abc", // unknown channel binding flag
        "n,x,n=,r=abc", // neither authzid nor empty
        "n,,m=ext,n=,r=abc", // mandatory extension
        "n,,r=abc,n=", // wrong order
        "n,,n=,r=", // empty nonce
        "n,,n=,r=ab\u00E9", // non-printable nonce
        "n,,n=a=b,r=abc", // bad saslname escape
        "n,,n=,r=abc,", // trailing comma
        "n,,n=,r=abc,1=x", // extension with non-letter name
        "n,,n=,", // missing nonce
    })
    void malformedClientFirstIsRejected(String clientFirst) {
        assertThrows(ScramException.class, () -> Rfc7677.server().handleClientFirst(clientFirst));
    }

    @Test
    void extensionsAfterTheNonceAreIgnored() throws ScramException {
        String serverFirst = Rfc7677.server().handleClientFirst(Rfc7677.CLIENT_FIRST + ",x=ext");
        assertEquals(Rfc7677.SERVER_FIRST, serverFirst);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "wrong c=        | c=eSws,r=NONCE,p=PROOF",
        "wrong nonce     | c=biws,r=" + Rfc7677.CLIENT_NONCE + "x,p=PROOF",
        "missing c=      | r=NONCE,p=PROOF",
        "missing proof   | c=biws,r=NONCE",
        "proof not last  | c=biws,r=NONCE,p=PROOF,x=y",
        "proof too short | c=biws,r=NONCE,p=AAAA",
        "proof not b64   | c=biws,r=NONCE,p=!!!!",
    })
    void malformedClientFinalIsRejected(String description, String template) throws ScramException {
        String proof = Rfc7677.CLIENT_FINAL.substring(Rfc7677.CLIENT_FINAL.indexOf(",p=") + 3);
        String clientFinal = template.replace("NONCE", Rfc7677.CLIENT_NONCE + Rfc7677.SERVER_NONCE)
                .replace("PROOF", proof);
        ScramServer server = Rfc7677.server();
        server.handleClientFirst(Rfc7677.CLIENT_FIRST);
        assertThrows(ScramException.class, () -> server.handleClientFinal(clientFinal));
    }

    @Test
    void extensionsBeforeTheProofAreAllowedAndCovered() throws ScramException {
        // an extension changes the AuthMessage, so the RFC proof no longer fits: parsing passes, proof fails
        String withExtension = Rfc7677.CLIENT_FINAL.replace(",p=", ",x=ext,p=");
        ScramServer server = Rfc7677.server();
        server.handleClientFirst(Rfc7677.CLIENT_FIRST);
        ScramException e = assertThrows(ScramException.class, () -> server.handleClientFinal(withExtension));
        assertEquals("SCRAM client proof is invalid", e.getMessage());
    }

    @Test
    void md5SecretIsNotAllowed() {
        StoredSecret md5 = new StoredSecret.Md5(Md5Auth.passwordHash("user", "pencil"));
        assertThrows(IllegalArgumentException.class, () -> ScramServer.forSecret(md5, 4096, RANDOM));
    }

    @Test
    void plainSecretGetsRandomSaltAndTheGivenIterations() throws ScramException {
        StoredSecret plain = new StoredSecret.Plain("pencil");
        String first = ScramServer.forSecret(plain, 7, RANDOM).handleClientFirst(Rfc7677.CLIENT_FIRST);
        String second = ScramServer.forSecret(plain, 7, RANDOM).handleClientFirst(Rfc7677.CLIENT_FIRST);
        assertTrue(first.endsWith(",i=7"), first);
        assertNotEquals(salt(first), salt(second));
    }

    @Test
    void serverNonceIsRandomPrintableAndExtendsTheClientNonce() throws ScramException {
        String serverFirst = ScramServer.forSecret(Rfc7677.secret(), 0, RANDOM).handleClientFirst(Rfc7677.CLIENT_FIRST);
        String nonce = serverFirst.substring(2, serverFirst.indexOf(','));
        String serverPart = nonce.substring(Rfc7677.CLIENT_NONCE.length());
        assertTrue(nonce.startsWith(Rfc7677.CLIENT_NONCE));
        assertEquals(24, serverPart.length(), "18 random bytes in base64");
        assertTrue(serverPart.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != ','), serverPart);
    }

    @Test
    void unknownUserGetsDeterministicSaltPerUser() throws ScramException {
        String first = ScramServer.forUnknownUser("alice", MOCK_KEY, RANDOM).handleClientFirst(Rfc7677.CLIENT_FIRST);
        String again = ScramServer.forUnknownUser("alice", MOCK_KEY, RANDOM).handleClientFirst(Rfc7677.CLIENT_FIRST);
        String other = ScramServer.forUnknownUser("bob", MOCK_KEY, RANDOM).handleClientFirst(Rfc7677.CLIENT_FIRST);
        String otherKey = ScramServer.forUnknownUser("alice", new byte[] {8}, RANDOM)
                .handleClientFirst(Rfc7677.CLIENT_FIRST);
        assertEquals(salt(first), salt(again));
        assertNotEquals(salt(first), salt(other));
        assertNotEquals(salt(first), salt(otherKey));
        assertTrue(first.endsWith(",i=" + ScramServer.MOCK_ITERATIONS), first);
        assertEquals(24, salt(first).length(), "16-byte salt in base64");
    }

    @Test
    void unknownUserAlwaysFailsAtTheEnd() throws ScramException {
        ScramServer server = ScramServer.forUnknownUser("alice", MOCK_KEY, RANDOM);
        ScramClient client = new ScramClient("any password", RANDOM);
        String clientFinal = client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        assertThrows(ScramException.class, () -> server.handleClientFinal(clientFinal));
        assertNull(server.clientKey());
    }

    @Test
    void emptyPlainPasswordAlwaysFails() throws ScramException {
        ScramServer server = ScramServer.forSecret(new StoredSecret.Plain(""), 2, RANDOM);
        ScramClient client = new ScramClient("", RANDOM);
        String clientFinal = client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        assertThrows(ScramException.class, () -> server.handleClientFinal(clientFinal));
    }

    @Test
    void exceptionMessagesCarryNoSecrets() throws ScramException {
        ScramServer server = Rfc7677.server();
        server.handleClientFirst(Rfc7677.CLIENT_FIRST);
        String badProof = Rfc7677.CLIENT_FINAL_WITHOUT_PROOF + ",p=" + ScramCrypto.base64(new byte[32]);
        String message = assertThrows(ScramException.class, () -> server.handleClientFinal(badProof)).getMessage();
        assertFalse(message.contains(ScramCrypto.base64(new byte[32])) || message.contains("pencil"), message);
    }

    private static String salt(String serverFirst) {
        int start = serverFirst.indexOf(",s=") + 3;
        return serverFirst.substring(start, serverFirst.indexOf(',', start));
    }

    /** The RFC 7677 client's final message had it sent {@code y,,n=,r=...}: c= is base64("y,,") = "eSws". */
    private static String clientFinalForGs2HeaderY() {
        StoredSecret.Scram secret = Rfc7677.secret();
        byte[] saltedPassword = ScramCrypto.saltedPassword(Rfc7677.PASSWORD, secret.salt(), secret.iterations());
        String withoutProof = "c=eSws,r=" + Rfc7677.CLIENT_NONCE + Rfc7677.SERVER_NONCE;
        String authMessage = "n=,r=" + Rfc7677.CLIENT_NONCE + "," + Rfc7677.SERVER_FIRST + "," + withoutProof;
        byte[] proof = ScramCrypto.xor(ScramCrypto.clientKey(saltedPassword),
                ScramCrypto.hmac(secret.storedKey(), authMessage));
        return withoutProof + ",p=" + ScramCrypto.base64(proof);
    }
}
