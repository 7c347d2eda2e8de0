package io.jbouncer.core.prepared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jbouncer.protocol.PgProtocolException;
import java.lang.reflect.Field;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientStatementsTest {
    private final StatementRegistry registry = new StatementRegistry();
    private final ClientStatements client = new ClientStatements(registry, 3, 1000);

    private static StatementText text(String sql) {
        return new StatementText(sql, new int[0]);
    }

    @Test
    void registeredNamesResolveAndDuplicatesAreRefused() {
        SharedStatement statement = client.register("S_1", text("SELECT 1"));

        assertSame(statement, client.lookup("S_1"));
        PgProtocolException e = assertThrows(PgProtocolException.class,
                () -> client.register("S_1", text("SELECT 2")));
        assertEquals("prepared statement name is already in use", e.getMessage());
        assertEquals("08P01", e.sqlState());
    }

    @Test
    void aClientThatNeverPreparesHoldsNoMapYetEveryCallWorksAndItsFirstParseDoes() throws ReflectiveOperationException {
        client.close("never prepared");
        client.forget("never prepared", registry.acquire(text("SELECT 0")));
        client.discardAllExcept(List.of("x"));
        client.closeAll();
        assertEquals(0, client.size());
        assertThrows(PgProtocolException.class, () -> client.lookup("S_1"));
        assertSame(Collections.emptyMap(), namesMap(), "no map of its own until the first named Parse");

        SharedStatement statement = client.register("S_1", text("SELECT 1"));
        assertSame(statement, client.lookup("S_1"));
        assertEquals(1, client.size());
    }

    private Object namesMap() throws ReflectiveOperationException {
        Field byName = ClientStatements.class.getDeclaredField("byName");
        byName.setAccessible(true);
        return byName.get(client);
    }

    @Test
    void unknownNameIsRefusedWithPgBouncersText() {
        PgProtocolException e = assertThrows(PgProtocolException.class, () -> client.lookup("nope"));
        assertEquals("prepared statement did not exist", e.getMessage());
    }

    @Test
    void closeFreesTheNameAndTheRegistryReference() {
        client.register("S_1", text("SELECT 1"));
        client.close("S_1");
        client.close("never prepared");

        assertEquals(0, client.size());
        assertEquals(0, registry.size());
        client.register("S_1", text("SELECT 'other'"));
        assertEquals(1, client.size());
    }

    @Test
    void countAndBytesAreBounded() {
        client.register("a", text("SELECT 1"));
        client.register("b", text("SELECT 2"));
        client.register("c", text("SELECT 3"));
        PgProtocolException full = assertThrows(PgProtocolException.class, () -> client.register("d", text("x")));
        assertEquals("too many prepared statements", full.getMessage());

        ClientStatements small = new ClientStatements(registry, 100, 100);
        PgProtocolException big = assertThrows(PgProtocolException.class,
                () -> small.register("big", text("x".repeat(51))));
        assertEquals("too many prepared statements", big.getMessage());
        small.register("fits", text("x".repeat(50)));
    }

    @Test
    void forgetRemovesOnlyTheSameStatementAndDiscardKeepsPendingNames() {
        SharedStatement old = client.register("a", text("SELECT 1"));
        client.close("a");
        client.register("a", text("SELECT 2"));
        client.forget("a", old);
        assertEquals(1, client.size(), "the name was prepared again since");

        client.register("b", text("SELECT 3"));
        client.discardAllExcept(List.of("b"));
        assertEquals(1, client.size());
        assertEquals("SELECT 3", client.lookup("b").text().sql());

        client.closeAll();
        assertEquals(0, registry.size());
    }
}
