package io.jbouncer.core.session;

/**
 * One session setting a client made, as jbouncer re-applies it on another server.
 *
 * @param key      the setting's name, case-folded ({@code search_path}, {@code role}, {@code myapp.tenant})
 * @param value    the value as the client wrote it, for the console
 * @param applySql the statement that gives a server this value, made only of the client's own tokens
 * @param resetSql the statement that takes it away again
 */
public record TrackedSetting(String key, String value, String applySql, String resetSql) {
    /** {@code SET ROLE}; {@code RESET ALL} leaves it, a new session authorization resets it. */
    static final String ROLE = "role";
    /** {@code SET SESSION AUTHORIZATION}; {@code RESET ALL} leaves it. */
    static final String SESSION_AUTHORIZATION = "session_authorization";
}
