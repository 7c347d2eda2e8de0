package io.jbouncer.admin.view;

/** One setting for SHOW CONFIG, with values already in PgBouncer's text form. */
public record ConfigRow(String key, String value, String defaultValue, boolean changeable) {
}
