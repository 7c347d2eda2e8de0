package io.jbouncer.core.config;

/** {@code pool_mode}: when a server connection goes back to the pool. */
public enum PoolMode implements ConfigName {
    /** Released when the client disconnects. */
    SESSION("session"),
    /** Released when a transaction finishes. */
    TRANSACTION("transaction"),
    /** Released after each query; multi-statement transactions are refused. */
    STATEMENT("statement");

    private final String configName;

    PoolMode(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }

    /**
     * Looks up a mode by name, ignoring ASCII case as PgBouncer's {@code strcasecmp} does.
     *
     * @throws IllegalArgumentException when no mode has that name
     */
    public static PoolMode parse(String text) {
        return ConfigName.parse(PoolMode.class, "pool mode", text);
    }
}
