package io.jbouncer.core.prepared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class StatementRegistryTest {
    private final StatementRegistry registry = new StatementRegistry();

    @Test
    void sameTextAndTypesShareOneNameNumberedFromOne() {
        SharedStatement first = registry.acquire(new StatementText("SELECT $1", new int[] {23}));
        SharedStatement again = registry.acquire(new StatementText("SELECT $1", new int[] {23}));
        SharedStatement otherTypes = registry.acquire(new StatementText("SELECT $1", new int[] {25}));

        assertSame(first, again);
        assertEquals("PGBOUNCER_1", first.serverName());
        assertEquals("PGBOUNCER_2", otherTypes.serverName());
        assertEquals(2, registry.size());
    }

    @Test
    void lastReleaseRemovesTheTextAndANewAcquireGetsANewName() {
        StatementText text = new StatementText("SELECT 1", new int[0]);
        SharedStatement first = registry.acquire(text);
        registry.acquire(text);

        registry.release(first);
        assertEquals(1, registry.size(), "one reference is left");
        registry.release(first);
        assertEquals(0, registry.size());

        SharedStatement second = registry.acquire(text);
        assertNotSame(first, second);
        assertEquals("PGBOUNCER_2", second.serverName());
    }
}
