package io.jbouncer.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClientCountsTest {
    private final ClientCounts counts = new ClientCounts();

    @Test
    void countsPerDatabaseAndUserByEqualNamesUntilTheCountersAreLeft() {
        AtomicInteger first = counts.joinDatabase(new String("db"));
        AtomicInteger second = counts.joinDatabase(new String("db"));
        AtomicInteger alice = counts.joinUser(new String("alice"));
        counts.joinUser("bob");

        assertSame(first, second, "equal names from two startup packets, one counter");
        assertEquals(2, counts.ofDatabase("db"));
        assertEquals(1, counts.ofUser("alice"));
        assertEquals(1, counts.ofUser("bob"));
        assertEquals(0, counts.ofDatabase("other"));

        first.decrementAndGet();
        alice.decrementAndGet();
        assertEquals(1, counts.ofDatabase("db"));
        assertEquals(0, counts.ofUser("alice"));
    }
}
