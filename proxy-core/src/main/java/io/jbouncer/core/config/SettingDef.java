package io.jbouncer.core.config;

/**
 * One {@code [pgbouncer]} setting as SHOW CONFIG describes it.
 *
 * @param name the key, e.g. {@code listen_port}
 * @param defaultAsShown the literal default of PgBouncer's table (e.g. {@code "0777"}), null when the default is NULL
 * @param reloadable whether RELOAD/SET may change it ({@code changeable} column); false for restart-only keys
 */
public record SettingDef(String name, String defaultAsShown, boolean reloadable) {
}
