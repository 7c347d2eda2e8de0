package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Our server and client against each other, as in a pooler between a client and PostgreSQL. */
class ScramInteropTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static void exchange(ScramServer server, ScramClient client) throws ScramException {
        String clientFinal = client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        client.verifyServerFinal(server.handleClientFinal(clientFinal));
    }

    @Test
    void adHocSecretFromPlainPasswordInteroperates() throws ScramException {
        exchange(ScramServer.forSecret(new StoredSecret.Plain("pencil"), 16, RANDOM),
                new ScramClient("pencil", RANDOM));
    }

    @Test
    void wrongPasswordFails() {
        ScramServer server = ScramServer.forSecret(new StoredSecret.Plain("pencil"), 16, RANDOM);
        assertThrows(ScramException.class, () -> exchange(server, new ScramClient("pencil2", RANDOM)));
    }

    @Test
    void bothSidesApplySaslPrep() throws ScramException {
        // ROMAN NUMERAL NINE with a soft hyphen on one side, plain "IX" on the other
        exchange(ScramServer.forSecret(new StoredSecret.Plain("IX"), 16, RANDOM),
                new ScramClient("\u2168\u00AD", RANDOM));
        exchange(ScramServer.forSecret(StoredSecret.Scram.fromPassword("I\u00A0X", new byte[16], 16), 0, RANDOM),
                new ScramClient("I X", RANDOM));
    }

    @Test
    void clientKeyFromOneExchangePassesThroughToAnotherServer() throws ScramException {
        StoredSecret.Scram secret = StoredSecret.Scram.fromPassword("pencil", new byte[16], 16);
        ScramServer pooler = ScramServer.forSecret(secret, 0, RANDOM);
        exchange(pooler, new ScramClient("pencil", RANDOM));

        ScramServer postgres = ScramServer.forSecret(secret, 0, RANDOM);
        exchange(postgres, ScramClient.forPassThrough(secret, pooler.clientKey(), RANDOM));
        assertArrayEquals(pooler.clientKey(), postgres.clientKey());
    }

    @Test
    void passThroughRefusesAServerWithAnotherSalt() throws ScramException {
        StoredSecret.Scram secret = StoredSecret.Scram.fromPassword("pencil", new byte[16], 16);
        ScramServer pooler = ScramServer.forSecret(secret, 0, RANDOM);
        exchange(pooler, new ScramClient("pencil", RANDOM));

        ScramServer resalted = ScramServer.forSecret(new StoredSecret.Plain("pencil"), 16, RANDOM);
        ScramClient client = ScramClient.forPassThrough(secret, pooler.clientKey(), RANDOM);
        String serverFirst = resalted.handleClientFirst(client.clientFirstMessage());
        assertThrows(ScramException.class, () -> client.handleServerFirst(serverFirst));
    }

    @Test
    void passThroughRejectsAForeignClientKey() {
        StoredSecret.Scram secret = StoredSecret.Scram.fromPassword("pencil", new byte[16], 16);
        assertThrows(IllegalArgumentException.class, () -> ScramClient.forPassThrough(secret, new byte[32], RANDOM));
    }
}
