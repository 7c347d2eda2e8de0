package io.jbouncer.core.prepared;

import io.jbouncer.protocol.message.Parse;

/**
 * One statement text under the name jbouncer gives it on every server connection, {@code PGBOUNCER_<n>}. Shared by
 * all clients that prepared the same text while any of them still holds it ({@link StatementRegistry}); server
 * caches compare these by identity.
 */
public final class SharedStatement {
    private final String serverName;
    private final StatementText text;
    /** Client mappings holding this statement; guarded by the registry's map entry. */
    int references;

    SharedStatement(String serverName, StatementText text) {
        this.serverName = serverName;
        this.text = text;
    }

    public String serverName() {
        return serverName;
    }

    public StatementText text() {
        return text;
    }

    /** The Parse that creates this statement on a server connection. */
    public Parse serverParse() {
        return new Parse(serverName, text.sql(), text.parameterTypes());
    }

    @Override
    public String toString() {
        return serverName;
    }
}
