package io.jbouncer.core.session;

/**
 * What one SQL statement does to the session settings jbouncer tracks, as {@link SessionStatements} reads it. Each
 * statement of a request gets one, so the server's replies (one CommandComplete per statement) can be matched to
 * them in order.
 */
sealed interface SessionCommand {

    /** A statement that changes no tracked setting and ends no transaction. */
    record Other() implements SessionCommand {
    }

    /** Shared instance of {@link Other}. */
    SessionCommand OTHER = new Other();

    /** {@code SET}, {@code SET SESSION}, {@code SET ROLE}...: {@code setting} holds the statement to re-apply. */
    record Set(TrackedSetting setting, boolean local) implements SessionCommand {
    }

    /** {@code RESET name}, {@code SET name TO DEFAULT}, {@code RESET ROLE}. */
    record Reset(String key, boolean local) implements SessionCommand {
    }

    /**
     * {@code RESET ALL}, which leaves {@code role} and {@code session_authorization} alone, and {@code DISCARD ALL}
     * ({@code discard}), which resets those too.
     */
    record ResetAll(boolean discard) implements SessionCommand {
    }

    /**
     * {@code COMMIT}, {@code END}, {@code ROLLBACK}, {@code ABORT}, {@code PREPARE TRANSACTION}: whether the changes
     * persist is read from the server's command tag ({@code COMMIT} of a failed transaction answers
     * {@code ROLLBACK}).
     */
    record TransactionEnd() implements SessionCommand {
    }

    /** {@code SAVEPOINT name}; names are case-folded like identifiers. */
    record Savepoint(String name) implements SessionCommand {
    }

    /** {@code ROLLBACK TO [SAVEPOINT] name}: changes made after the savepoint are undone. */
    record RollbackTo(String name) implements SessionCommand {
    }

    /** {@code RELEASE [SAVEPOINT] name}: the changes stay part of the transaction. */
    record Release(String name) implements SessionCommand {
    }

    /**
     * A statement that leaves session state on the server that jbouncer cannot carry to the client's next server
     * (a session advisory lock, a temporary table, a WITH HOLD cursor, SQL PREPARE, a SET it cannot read): it runs
     * as sent; {@code what} names it for the client's one warning.
     */
    record Unsafe(String what) implements SessionCommand {
    }
}
