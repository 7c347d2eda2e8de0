package io.jbouncer.core.config;

import java.util.Locale;

/**
 * What a client's {@code replication} startup parameter asks for, read as PostgreSQL reads it: {@code database}
 * is a logical replication connection, a true boolean a physical one, a false boolean (or none) an ordinary
 * session. PgBouncer 1.23 gives a replication client a dedicated server; SHOW CLIENTS and SHOW SERVERS name the
 * mode in their {@code replication} column.
 */
public enum ReplicationMode {
    NONE("none"),
    PHYSICAL("physical"),
    LOGICAL("logical");

    private final String shownAs;

    ReplicationMode(String shownAs) {
        this.shownAs = shownAs;
    }

    /** The {@code replication} column of SHOW CLIENTS / SHOW SERVERS. */
    public String shownAs() {
        return shownAs;
    }

    /** PgBouncer's {@code replication=} in the {@code login attempt} log line. */
    public String logged() {
        return switch (this) {
            case NONE -> "no";
            case PHYSICAL -> "yes";
            case LOGICAL -> "database";
        };
    }

    /** The value of a {@code replication} startup parameter. */
    public static ReplicationMode of(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "database" -> LOGICAL;
            case "false", "off", "no", "0" -> NONE;
            default -> PHYSICAL;
        };
    }
}
