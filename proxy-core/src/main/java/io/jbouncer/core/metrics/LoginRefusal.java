package io.jbouncer.core.metrics;

import java.util.Locale;

/**
 * The {@code reason} label of {@code jbouncer_login_failures_total}: PgBouncer's login error texts sorted into a
 * fixed set, so that a database or user name in a message never becomes a label value (unbounded series).
 */
enum LoginRefusal {
    /** Wrong password, failed SCRAM exchange, failed trust check. */
    AUTHENTICATION,
    /** {@code no more connections allowed (max_client_conn)}. */
    MAX_CLIENT_CONN,
    /** {@code no such database: ...}, after a successful authentication. */
    NO_SUCH_DATABASE,
    /** {@code database "..." is disabled} (console DISABLE). */
    DATABASE_DISABLED,
    /** {@code pooler is shutting down}. */
    SHUTTING_DOWN,
    /** {@code not allowed}: the console without admin or stats rights. */
    NOT_ALLOWED,
    /** {@code login rejected}: an auth_type or hba rule that refuses the login. */
    LOGIN_REJECTED,
    /** Anything else: missing or too long user name, bad startup parameters, broken configuration. */
    OTHER;

    /** The label value, e.g. {@code max_client_conn}. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static LoginRefusal of(String message) {
        if (message.endsWith("authentication failed") || message.contains("invalid SASL")) {
            return AUTHENTICATION;
        }
        if (message.contains("(max_client_conn)")) {
            return MAX_CLIENT_CONN;
        }
        if (message.startsWith("no such database")) {
            return NO_SUCH_DATABASE;
        }
        if (message.startsWith("database \"") && message.endsWith("\" is disabled")) {
            return DATABASE_DISABLED;
        }
        return switch (message) {
            case "pooler is shutting down" -> SHUTTING_DOWN;
            case "not allowed" -> NOT_ALLOWED;
            case "login rejected" -> LOGIN_REJECTED;
            default -> OTHER;
        };
    }
}
