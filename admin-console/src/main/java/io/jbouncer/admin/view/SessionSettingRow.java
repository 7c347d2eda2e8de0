package io.jbouncer.admin.view;

/**
 * One session setting a client made with SQL, as {@code track_session_settings} carries it from server to server
 * (SHOW SESSION_SETTINGS, a jbouncer extension): {@code id} and {@code ptr} are the client's in SHOW CLIENTS,
 * {@code value} is the value as the client wrote it.
 */
public record SessionSettingRow(long id, String ptr, String user, String database, String name, String value) {
}
