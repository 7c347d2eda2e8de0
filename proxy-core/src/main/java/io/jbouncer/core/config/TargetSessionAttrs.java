package io.jbouncer.core.config;

/**
 * {@code target_session_attrs} of a {@code [databases]} entry (a jbouncer extension with libpq's names and meaning):
 * which server of a host list a new server connection may settle on, checked right after it logs in with
 * {@code pg_is_in_recovery()} and {@code transaction_read_only}; a server that does not qualify is closed and the
 * next host tried. libpq's {@code prefer-standby} is not offered.
 */
public enum TargetSessionAttrs {
    ANY("any"),
    READ_WRITE("read-write"),
    READ_ONLY("read-only"),
    PRIMARY("primary"),
    STANDBY("standby");

    private final String configName;

    TargetSessionAttrs(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /**
     * @throws IllegalArgumentException for any other value, {@code prefer-standby} included
     */
    public static TargetSessionAttrs parse(String text) {
        TargetSessionAttrs attrs = CText.lookup(values(), TargetSessionAttrs::configName, text);
        if (attrs == null) {
            throw new IllegalArgumentException("invalid target_session_attrs: " + text
                    + " (any, read-write, read-only, primary or standby)");
        }
        return attrs;
    }

    /** Whether a server in recovery ({@code inRecovery}) with {@code transaction_read_only} ({@code readOnly}) fits. */
    public boolean accepts(boolean inRecovery, boolean readOnly) {
        return switch (this) {
            case ANY -> true;
            case READ_WRITE -> !readOnly;
            case READ_ONLY -> readOnly;
            case PRIMARY -> !inRecovery;
            case STANDBY -> inRecovery;
        };
    }
}
