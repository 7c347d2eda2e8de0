package io.jbouncer.protocol;

/**
 * The one exception of the protocol codec: a peer sent bytes that violate the PostgreSQL v3 protocol.
 * It carries the SQLSTATE and the message the pooler reports to that peer before closing the connection.
 */
public final class PgProtocolException extends RuntimeException {
    private final String sqlState;

    public PgProtocolException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public PgProtocolException(String message) {
        this(SqlState.PROTOCOL_VIOLATION, message);
    }

    public String sqlState() {
        return sqlState;
    }
}
