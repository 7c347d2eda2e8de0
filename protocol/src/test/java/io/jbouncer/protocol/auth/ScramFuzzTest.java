package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.jbouncer.protocol.Mutations;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing of the SCRAM messages a client sends and of the secrets an {@code auth_file} holds
 * (docs/reliability.md). A malformed message is a {@link ScramException} (the login is refused with "SASL
 * authentication failed"), never another exception; and no tampered exchange is accepted: the RFC 7677 exchange
 * passes only with its exact client messages.
 */
class ScramFuzzTest {
    /** Derived once: PBKDF2 per try would make the short run long. */
    private static final StoredSecret.Scram SECRET = Rfc7677.secret();

    private static ScramServer server() {
        return new ScramServer(SECRET, false, Rfc7677.SERVER_NONCE);
    }

    @Property
    void tamperedClientFirstIsRefusedOrLeadsNowhere(@ForAll("clientFirsts") byte[] clientFirst) {
        String message = new String(clientFirst, StandardCharsets.UTF_8);
        ScramServer server = server();
        try {
            server.handleClientFirst(message);
        } catch (ScramException refused) {
            return;
        }
        try {
            server.handleClientFinal(Rfc7677.CLIENT_FINAL);
        } catch (ScramException refused) {
            return;
        }
        assertEquals(Rfc7677.CLIENT_FIRST, message, "a changed client-first-message was accepted");
    }

    @Property
    void tamperedClientFinalIsRefused(@ForAll("clientFinals") byte[] clientFinal) throws ScramException {
        String message = new String(clientFinal, StandardCharsets.UTF_8);
        ScramServer server = server();
        server.handleClientFirst(Rfc7677.CLIENT_FIRST);
        try {
            server.handleClientFinal(message);
        } catch (ScramException refused) {
            return;
        }
        assertEquals(Rfc7677.CLIENT_FINAL, message, "a changed client-final-message was accepted");
    }

    @Property
    void anyAuthFileSecretIsClassified(@ForAll("secrets") byte[] raw) {
        assertNotNull(StoredSecret.parse(new String(raw, StandardCharsets.ISO_8859_1)));
    }

    @Provide
    Arbitrary<byte[]> clientFirsts() {
        return Mutations.arbitraryOrMutated(utf8(Rfc7677.CLIENT_FIRST), utf8("p=tls-server-end-point,,n=u,r=abc"),
                utf8("y,a=admin,n=user,r=x,ext=1"));
    }

    @Provide
    Arbitrary<byte[]> clientFinals() {
        return Mutations.arbitraryOrMutated(utf8(Rfc7677.CLIENT_FINAL));
    }

    @Provide
    Arbitrary<byte[]> secrets() {
        return Mutations.arbitraryOrMutated(utf8("md5" + "0123456789abcdef".repeat(2)),
                utf8("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$" + "A".repeat(43) + "=:" + "B".repeat(43) + "="),
                utf8("SCRAM-SHA-256$999999999999:c2FsdA==$a2V5:a2V5"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
