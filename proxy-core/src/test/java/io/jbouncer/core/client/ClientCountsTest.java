package io.jbouncer.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClientCountsTest {
    private final ClientCounts counts = new ClientCounts();

    @Test
    void sharesCountPerDatabaseAndUserOnceEachUntilTheyLeave() {
        ClientCounts.Share first = counts.share();
        ClientCounts.Share second = counts.share();

        assertEquals(1, first.joinDatabase(new String("db")));
        assertEquals(1, first.joinUser(new String("alice")));
        assertEquals(2, second.joinDatabase(new String("db")), "equal names from two startup packets, one count");
        assertEquals(2, first.joinDatabase("db"), "a second join counts nothing more");
        assertEquals(1, second.joinUser("bob"));
        assertEquals(2, counts.ofDatabase("db"));

        first.leave();
        first.leave();
        assertEquals(1, counts.ofDatabase("db"), "a share leaves once");
        assertEquals(0, counts.ofUser("alice"));
        assertEquals(1, counts.ofUser("bob"));
        second.leave();
        assertEquals(0, counts.ofDatabase("db"));
    }
}
