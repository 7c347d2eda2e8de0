package io.jbouncer.core.config;

/**
 * {@code log_format}, a jbouncer extension (PgBouncer has no such key): how log lines are written to stderr and
 * the {@code logfile}.
 */
public enum LogFormat implements ConfigName {
    /** PgBouncer's own line format, byte for byte (as PgBouncer 1.25 writes it). */
    TEXT("text"),
    /** One JSON object per line, for log pipelines. */
    JSON("json");

    private final String configName;

    LogFormat(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }

    /**
     * Looks up a format by name, ignoring ASCII case like the other enumerated settings.
     *
     * @throws IllegalArgumentException when no format has that name
     */
    public static LogFormat parse(String text) {
        return ConfigName.parse(LogFormat.class, "log format", text);
    }
}
