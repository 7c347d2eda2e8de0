package io.jbouncer.core.state;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a server connection, with PgBouncer's state names (its {@code SV_*} lists). SHOW SERVERS prints
 * {@link #showName()}; SHOW POOLS counts servers per state ({@link StateCounts}).
 *
 * <p>Every move goes through {@link #canMoveTo}: a move the table does not allow is a bug in the pooler, caught
 * where it happens instead of showing up later as a wrong count or a server handed to two clients.
 */
public enum ServerState {
    /** Created, not connected yet. */
    SV_FREE("new"),
    /** Closed; terminal (PgBouncer frees it at the end of the loop). */
    SV_JUSTFREE("closed"),
    /** Connecting and logging in, including the target_session_attrs check and connect_query. */
    SV_LOGIN("new"),
    /** In the pool, ready to be handed out. */
    SV_IDLE("idle"),
    /** Linked to a client, or running an auth_query lookup. */
    SV_ACTIVE("active"),
    /**
     * A connection that carries a CancelRequest to PostgreSQL. jbouncer opens those outside the pool's server
     * list, so this state is only ever counted (SHOW POOLS {@code sv_active_cancel}), never held by a connection.
     */
    SV_ACTIVE_CANCEL("active_cancel"),
    /** Released, but a cancel sent for its last client's query is still in flight: not reused until it ends. */
    SV_BEING_CANCELED("being_canceled"),
    /** Idle longer than server_check_delay: the server check runs before it is handed out again. */
    SV_USED("used"),
    /** Running server_reset_query or the server check. */
    SV_TESTED("tested");

    private final String showName;
    private Set<ServerState> next;

    static {
        SV_FREE.next = EnumSet.of(SV_LOGIN, SV_JUSTFREE);
        SV_LOGIN.next = EnumSet.of(SV_IDLE, SV_JUSTFREE);
        SV_IDLE.next = EnumSet.of(SV_ACTIVE, SV_USED, SV_TESTED, SV_JUSTFREE);
        SV_USED.next = EnumSet.of(SV_ACTIVE, SV_TESTED, SV_JUSTFREE);
        SV_ACTIVE.next = EnumSet.of(SV_IDLE, SV_BEING_CANCELED, SV_TESTED, SV_JUSTFREE);
        SV_BEING_CANCELED.next = EnumSet.of(SV_IDLE, SV_TESTED, SV_JUSTFREE);
        SV_TESTED.next = EnumSet.of(SV_IDLE, SV_JUSTFREE);
        SV_ACTIVE_CANCEL.next = EnumSet.noneOf(ServerState.class);
        SV_JUSTFREE.next = EnumSet.noneOf(ServerState.class);
    }

    ServerState(String showName) {
        this.showName = showName;
    }

    /** The {@code state} column of SHOW SERVERS. */
    public String showName() {
        return showName;
    }

    public boolean canMoveTo(ServerState to) {
        return next.contains(to);
    }
}
