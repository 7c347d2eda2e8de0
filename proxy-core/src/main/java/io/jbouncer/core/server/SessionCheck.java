package io.jbouncer.core.server;

import io.jbouncer.core.config.TargetSessionAttrs;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The {@code target_session_attrs} check of one new server connection: the query it runs and what its answer
 * says. libpq checks {@code transaction_read_only} and {@code pg_is_in_recovery()} the same way.
 */
final class SessionCheck {
    static final String QUERY = "SELECT pg_catalog.pg_is_in_recovery(), "
            + "pg_catalog.current_setting('transaction_read_only')";

    private final TargetSessionAttrs attrs;
    private Boolean inRecovery;
    private Boolean readOnly;
    private String error;

    SessionCheck(TargetSessionAttrs attrs) {
        this.attrs = attrs;
    }

    TargetSessionAttrs attrs() {
        return attrs;
    }

    /** The answer's DataRow body: two text columns, {@code t}/{@code f} and {@code on}/{@code off}. */
    void row(ByteBuf body) {
        int columns = body.readUnsignedShort();
        if (columns == 2) {
            inRecovery = "t".equals(column(body));
            readOnly = "on".equals(column(body));
        }
    }

    void failed(String message) {
        error = message;
    }

    boolean passed() {
        return error == null && inRecovery != null && attrs.accepts(inRecovery, readOnly);
    }

    /** What the server turned out to be, for the log. */
    String found() {
        if (error != null) {
            return "the check failed: " + error;
        }
        if (inRecovery == null) {
            return "no answer";
        }
        return (inRecovery ? "in recovery" : "not in recovery") + ", transaction_read_only = " + (readOnly ? "on"
                : "off");
    }

    private static String column(ByteBuf body) {
        int length = body.readInt();
        return length < 0 ? null : body.readCharSequence(length, StandardCharsets.UTF_8).toString();
    }
}
