package io.jbouncer.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.core.config.ReplicationMode;
import io.jbouncer.protocol.message.BackendKeyData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientsByCancelKeyTest {
    private final ClientsByCancelKey table = new ClientsByCancelKey();

    /** A key is claimed while the session is made: the client is a cancel target at once, listed once logged in. */
    @Test
    void aClientIsListedOnlyOnceItsSessionIsSet() {
        Client client = new Client(null);
        BackendKeyData key = new BackendKeyData(1, 2);
        assertTrue(table.claim(key, client));
        assertSame(client, table.holder(key));
        assertEquals(0, table.loggedIn().size());
        assertFalse(table.loggedIn().iterator().hasNext());

        client.loggedIn(session(key), null);
        assertEquals(1, table.loggedIn().size());
        assertEquals(List.of(client), new ArrayList<>(table.loggedIn()));
    }

    @Test
    void aKeyHasOneHolderUntilItsClientIsReleased() {
        Client first = new Client(null);
        BackendKeyData key = new BackendKeyData(7, 8);
        assertTrue(table.claim(key, first));
        first.loggedIn(session(key), null);
        assertFalse(table.claim(new BackendKeyData(7, 8), new Client(null)));
        assertSame(first, table.holder(key));

        table.release(first);
        assertNull(table.holder(key));
        assertEquals(0, table.loggedIn().size());
        assertTrue(table.claim(key, new Client(null)));
    }

    private static ClientSession session(BackendKeyData key) {
        return new ClientSession("pgbouncer", "admin", null, Map.of(), List.of(), key, ConsoleRole.ADMIN,
                ReplicationMode.NONE, Map.of());
    }
}
