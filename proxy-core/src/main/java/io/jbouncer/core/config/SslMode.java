package io.jbouncer.core.config;

/** {@code client_tls_sslmode} / {@code server_tls_sslmode}, with libpq's names. */
public enum SslMode {
    DISABLE("disable"),
    ALLOW("allow"),
    PREFER("prefer"),
    REQUIRE("require"),
    VERIFY_CA("verify-ca"),
    VERIFY_FULL("verify-full");

    private final String configName;

    SslMode(String configName) {
        this.configName = configName;
    }

    /** The spelling used in {@code pgbouncer.ini} and SHOW CONFIG. */
    public String configName() {
        return configName;
    }

    /**
     * Looks up a mode by name, ignoring ASCII case as PgBouncer's {@code strcasecmp} does.
     *
     * @throws IllegalArgumentException when no mode has that name
     */
    public static SslMode parse(String text) {
        SslMode mode = CText.lookup(values(), SslMode::configName, text);
        if (mode == null) {
            throw new IllegalArgumentException("invalid sslmode: " + text);
        }
        return mode;
    }
}
