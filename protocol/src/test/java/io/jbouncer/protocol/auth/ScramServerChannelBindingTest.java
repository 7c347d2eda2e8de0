package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256-PLUS with tls-server-end-point (RFC 5802, RFC 5929), on the RFC 7677 secret. */
class ScramServerChannelBindingTest {

    private static final byte[] END_POINT = new byte[32];
    private static final String HEADER = "p=tls-server-end-point,,";

    static {
        Arrays.fill(END_POINT, (byte) 0x5a);
    }

    /** The client-final-message a client bound to {@code binding} sends after {@code serverFirst}. */
    private static String clientFinal(String header, byte[] binding, String serverFirst) {
        byte[] input = Arrays.copyOf(header.getBytes(StandardCharsets.UTF_8), header.length() + binding.length);
        System.arraycopy(binding, 0, input, header.length(), binding.length);
        String nonce = serverFirst.substring(2, serverFirst.indexOf(','));
        String withoutProof = "c=" + ScramCrypto.base64(input) + ",r=" + nonce;
        String authMessage = "n=,r=" + Rfc7677.CLIENT_NONCE + "," + serverFirst + "," + withoutProof;
        byte[] salted = ScramCrypto.saltedPassword(Rfc7677.PASSWORD, Rfc7677.secret().salt(), 4096);
        byte[] clientKey = ScramCrypto.clientKey(salted);
        byte[] proof = ScramCrypto.xor(clientKey, ScramCrypto.hmac(ScramCrypto.sha256(clientKey), authMessage));
        return withoutProof + ",p=" + ScramCrypto.base64(proof);
    }

    private static ScramServer plusServer(boolean selected) {
        ScramServer server = Rfc7677.server();
        server.offerChannelBinding(END_POINT, selected);
        return server;
    }

    @Test
    void aClientBoundToTheSameCertificateLogsIn() throws ScramException {
        ScramServer server = plusServer(true);
        String serverFirst = server.handleClientFirst(HEADER + "n=,r=" + Rfc7677.CLIENT_NONCE);
        assertTrue(server.handleClientFinal(clientFinal(HEADER, END_POINT, serverFirst)).startsWith("v="));
        assertArrayEquals(Rfc7677.secret().storedKey(), ScramCrypto.sha256(server.clientKey()));
    }

    @Test
    void aClientBoundToAnotherCertificateIsRefused() throws ScramException {
        ScramServer server = plusServer(true);
        String serverFirst = server.handleClientFirst(HEADER + "n=,r=" + Rfc7677.CLIENT_NONCE);
        byte[] other = END_POINT.clone();
        other[0] ^= 1;
        ScramException e = assertThrows(ScramException.class,
                () -> server.handleClientFinal(clientFinal(HEADER, other, serverFirst)));
        assertEquals("SCRAM channel binding check failed", e.getMessage());
    }

    @Test
    void plusNeedsTheEndPointBindingType() {
        assertThrows(ScramException.class,
                () -> plusServer(true).handleClientFirst("p=tls-unique,,n=,r=" + Rfc7677.CLIENT_NONCE));
        assertThrows(ScramException.class,
                () -> plusServer(true).handleClientFirst("n,,n=,r=" + Rfc7677.CLIENT_NONCE));
    }

    @Test
    void plainScramStillWorksOverTlsButNotWithTheDowngradeFlag() throws ScramException {
        ScramServer server = plusServer(false);
        assertEquals(Rfc7677.SERVER_FIRST, server.handleClientFirst(Rfc7677.CLIENT_FIRST));
        assertEquals(Rfc7677.SERVER_FINAL, server.handleClientFinal(Rfc7677.CLIENT_FINAL));
        ScramException e = assertThrows(ScramException.class,
                () -> plusServer(false).handleClientFirst("y,,n=,r=" + Rfc7677.CLIENT_NONCE));
        assertTrue(e.getMessage().contains("negotiation error"), e.getMessage());
    }
}
