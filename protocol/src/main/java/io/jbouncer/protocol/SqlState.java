package io.jbouncer.protocol;

/**
 * The SQLSTATE codes jbouncer emits itself. PgBouncer reports almost everything it originates as 08P01
 * (as PgBouncer 1.25 does); codes relayed from a PostgreSQL server are passed through as received.
 */
public final class SqlState {
    public static final String SUCCESSFUL_COMPLETION = "00000";
    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String CONNECTION_FAILURE = "08006";
    public static final String INVALID_PASSWORD = "28P01";
    public static final String INVALID_AUTHORIZATION = "28000";
    public static final String TOO_MANY_CONNECTIONS = "53300";
    /** PostgreSQL's configuration_limit_exceeded: a client overran its {@code notify_queue_size}. */
    public static final String CONFIGURATION_LIMIT_EXCEEDED = "53400";
    public static final String QUERY_CANCELED = "57014";
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String SYNTAX_ERROR = "42601";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String CONFIG_FILE_ERROR = "F0000";

    private SqlState() {
    }
}
