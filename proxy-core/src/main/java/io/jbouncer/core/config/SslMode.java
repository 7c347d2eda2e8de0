package io.jbouncer.core.config;

/** {@code client_tls_sslmode} / {@code server_tls_sslmode}, with libpq's names. */
public enum SslMode implements ConfigName {
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

    @Override
    public String configName() {
        return configName;
    }

    /**
     * Looks up a mode by name, ignoring ASCII case as PgBouncer's {@code strcasecmp} does.
     *
     * @throws IllegalArgumentException when no mode has that name
     */
    public static SslMode parse(String text) {
        return ConfigName.parse(SslMode.class, "sslmode", text);
    }
}
