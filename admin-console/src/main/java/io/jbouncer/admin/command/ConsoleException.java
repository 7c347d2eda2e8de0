package io.jbouncer.admin.command;

/**
 * A console statement that cannot run: the SQLSTATE and the text the client receives in an ERROR, after which
 * the connection stays usable (as in PgBouncer's src/admin.c).
 */
public final class ConsoleException extends RuntimeException {
    private final String sqlState;

    public ConsoleException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
