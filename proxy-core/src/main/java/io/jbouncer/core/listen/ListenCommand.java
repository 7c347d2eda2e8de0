package io.jbouncer.core.listen;

/**
 * A client's {@code LISTEN channel}, {@code UNLISTEN channel} or {@code UNLISTEN *}, with the channel name as
 * PostgreSQL keys it (unquoted names folded to lower case, at most 63 bytes).
 *
 * @param channel the channel, {@code null} for {@code UNLISTEN *}
 */
public record ListenCommand(Kind kind, String channel) {

    /** What the statement does to the client's subscriptions. */
    public enum Kind { LISTEN, UNLISTEN, UNLISTEN_ALL }

    static ListenCommand listen(String channel) {
        return new ListenCommand(Kind.LISTEN, channel);
    }

    static ListenCommand unlisten(String channel) {
        return new ListenCommand(Kind.UNLISTEN, channel);
    }

    static ListenCommand unlistenAll() {
        return new ListenCommand(Kind.UNLISTEN_ALL, null);
    }
}
