package io.jbouncer.core.config;

/**
 * {@code target_session_attrs} of a {@code [databases]} entry (a jbouncer extension with libpq's names and meaning):
 * which server of a host list a new server connection may settle on, checked right after it logs in with
 * {@code pg_is_in_recovery()} and {@code transaction_read_only}; a server that does not qualify is closed and the
 * next host tried. {@code prefer-standby} tries the list for a standby first and, when a whole pass found none,
 * accepts any server on a second pass, as libpq does.
 */
public enum TargetSessionAttrs {
    ANY("any"),
    READ_WRITE("read-write"),
    READ_ONLY("read-only"),
    PRIMARY("primary"),
    STANDBY("standby"),
    PREFER_STANDBY("prefer-standby");

    private final String configName;

    TargetSessionAttrs(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /**
     * @throws IllegalArgumentException for any other value
     */
    public static TargetSessionAttrs parse(String text) {
        TargetSessionAttrs attrs = CText.lookup(values(), TargetSessionAttrs::configName, text);
        if (attrs == null) {
            throw new IllegalArgumentException("invalid target_session_attrs: " + text
                    + " (any, read-write, read-only, primary, standby or prefer-standby)");
        }
        return attrs;
    }

    /**
     * Whether a server in recovery ({@code inRecovery}) with {@code transaction_read_only} ({@code readOnly}) fits;
     * for {@code prefer-standby} on its first pass over the host list (the second pass takes any server).
     */
    public boolean accepts(boolean inRecovery, boolean readOnly) {
        return switch (this) {
            case ANY -> true;
            case PREFER_STANDBY -> inRecovery;
            case READ_WRITE -> !readOnly;
            case READ_ONLY -> readOnly;
            case PRIMARY -> !inRecovery;
            case STANDBY -> inRecovery;
        };
    }

    /**
     * Whether a server's role can turn wrong while it stays connected (a promotion, or {@code
     * default_transaction_read_only} changed by a reload), so idle servers are checked again before reuse. Not for
     * {@code any}, and not for {@code prefer-standby}, which takes any server when no standby is found.
     */
    public boolean rechecked() {
        return this != ANY && this != PREFER_STANDBY;
    }
}
