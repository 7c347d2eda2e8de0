package io.jbouncer.core.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.auth.CleartextAuth;
import io.jbouncer.protocol.auth.ScramClient;
import io.jbouncer.protocol.auth.ScramException;
import io.jbouncer.protocol.auth.ScramServer;
import io.jbouncer.protocol.auth.StoredSecret;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PlainScramVerifiersTest {
    private final SecureRandom random = new SecureRandom();
    private final PlainScramVerifiers verifiers = new PlainScramVerifiers(random);

    @Test
    void aUsersVerifierIsDerivedOnceAndEveryLoginAgainstItSucceeds() throws ScramException {
        StoredSecret.Scram first = verifiers.of("alice", new StoredSecret.Plain("secret"), 4096);
        StoredSecret.Scram again = verifiers.of("alice", new StoredSecret.Plain("secret"), 4096);

        assertSame(first, again, "a reload with the same password keeps the verifier and its salt");
        assertTrue(CleartextAuth.verify(first, "alice", "secret"));
        login(first, "secret");
        login(again, "secret");
    }

    @Test
    void usersWithOnePasswordGetTheirOwnSalts() {
        StoredSecret.Scram alice = verifiers.of("alice", new StoredSecret.Plain("same"), 4096);
        StoredSecret.Scram bob = verifiers.of("bob", new StoredSecret.Plain("same"), 4096);

        assertFalse(Arrays.equals(alice.salt(), bob.salt()), "equal salts would tell that the passwords are equal");
    }

    @Test
    void aChangedPasswordOrIterationCountGetsAFreshVerifier() {
        StoredSecret.Scram old = verifiers.of("alice", new StoredSecret.Plain("old"), 4096);
        StoredSecret.Scram changed = verifiers.of("alice", new StoredSecret.Plain("new"), 4096);
        StoredSecret.Scram stronger = verifiers.of("alice", new StoredSecret.Plain("new"), 8192);

        assertNotSame(old, changed);
        assertTrue(CleartextAuth.verify(changed, "alice", "new"));
        assertFalse(CleartextAuth.verify(changed, "alice", "old"));
        assertEquals(8192, stronger.iterations());
        assertTrue(CleartextAuth.verify(stronger, "alice", "new"));
    }

    @Test
    void pastTheBoundTheMapStartsAfreshInsteadOfGrowing() {
        for (int i = 0; i < PlainScramVerifiers.MAX_ENTRIES; i++) {
            verifiers.of("user" + i, new StoredSecret.Plain("pw"), 1);
        }
        assertEquals(PlainScramVerifiers.MAX_ENTRIES, verifiers.size());
        StoredSecret.Scram next = verifiers.of("one more", new StoredSecret.Plain("pw"), 1);

        assertEquals(1, verifiers.size());
        assertArrayEquals(next.salt(), verifiers.of("one more", new StoredSecret.Plain("pw"), 1).salt());
    }

    @Test
    void concurrentFirstLoginsAllGetTheVerifierThatWasKept() throws Exception {
        int logins = 8;
        ExecutorService pool = Executors.newFixedThreadPool(logins);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<StoredSecret.Scram>> got = new ArrayList<>();
            for (int i = 0; i < logins; i++) {
                got.add(pool.submit(() -> {
                    start.await();
                    StoredSecret.Scram verifier = verifiers.of("alice", new StoredSecret.Plain("secret"), 4096);
                    login(verifier, "secret");
                    return verifier;
                }));
            }
            start.countDown();
            StoredSecret.Scram kept = verifiers.of("alice", new StoredSecret.Plain("secret"), 4096);
            for (Future<StoredSecret.Scram> each : got) {
                assertSame(kept, each.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A full SCRAM exchange of a client that knows {@code password}; throws when either side refuses. */
    private void login(StoredSecret.Scram verifier, String password) throws ScramException {
        ScramClient client = new ScramClient(password, random);
        ScramServer server = ScramServer.forSecret(verifier, 4096, random);
        String serverFinal = server.handleClientFinal(
                client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage())));
        client.verifyServerFinal(serverFinal);
    }
}
