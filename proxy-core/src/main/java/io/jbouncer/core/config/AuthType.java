package io.jbouncer.core.config;

/** {@code auth_type}: how clients prove who they are. */
public enum AuthType implements ConfigName {
    /** No authentication; every database needs a forced {@code user=}. */
    ANY("any"),
    /** No password, but the user must be known. */
    TRUST("trust"),
    /** Cleartext password request. */
    PLAIN("plain"),
    /** MD5 password request (switched to SCRAM when the stored secret is SCRAM). */
    MD5("md5"),
    /** SCRAM-SHA-256 exchange. */
    SCRAM_SHA_256("scram-sha-256"),
    /** TLS client certificate; needs {@code client_tls_sslmode=verify-full}. */
    CERT("cert"),
    /** Rules from {@code auth_hba_file}. */
    HBA("hba"),
    /** LDAP (a build option in PgBouncer). */
    LDAP("ldap"),
    /** PAM (a build option in PgBouncer). */
    PAM("pam");

    private final String configName;

    AuthType(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }

    /**
     * Looks up a type by name, ignoring ASCII case as PgBouncer's {@code strcasecmp} does.
     *
     * @throws IllegalArgumentException when no type has that name
     */
    public static AuthType parse(String text) {
        return ConfigName.parse(AuthType.class, "auth_type", text);
    }
}
