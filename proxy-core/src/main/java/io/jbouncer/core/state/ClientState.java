package io.jbouncer.core.state;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a client connection, with PgBouncer's state names (its {@code CL_*} lists). A logged-in client is
 * {@link #CL_ACTIVE} whether or not it holds a server at the moment, as in PgBouncer; SHOW CLIENTS tells the two
 * apart by the link. A connection that opened only to send a CancelRequest passes through the two cancel states.
 */
public enum ClientState {
    /** Closed; terminal. */
    CL_JUSTFREE,
    /** Startup packet and authentication. */
    CL_LOGIN,
    /** Queued for a server. */
    CL_WAITING,
    /** Authenticated, queued for the pool's first server, which tells what to welcome it with. */
    CL_WAITING_LOGIN,
    /** Logged in: idle, linked to a server, or in the admin console. */
    CL_ACTIVE,
    /** A CancelRequest whose target was found, on its way to the server's event loop. */
    CL_WAITING_CANCEL,
    /** A CancelRequest being forwarded to PostgreSQL; the connection closes when PostgreSQL is done with it. */
    CL_ACTIVE_CANCEL;

    private Set<ClientState> next;

    static {
        CL_LOGIN.next = EnumSet.of(CL_WAITING_LOGIN, CL_ACTIVE, CL_WAITING_CANCEL, CL_JUSTFREE);
        CL_WAITING_LOGIN.next = EnumSet.of(CL_ACTIVE, CL_JUSTFREE);
        CL_ACTIVE.next = EnumSet.of(CL_WAITING, CL_JUSTFREE);
        CL_WAITING.next = EnumSet.of(CL_ACTIVE, CL_JUSTFREE);
        CL_WAITING_CANCEL.next = EnumSet.of(CL_ACTIVE_CANCEL, CL_JUSTFREE);
        CL_ACTIVE_CANCEL.next = EnumSet.of(CL_JUSTFREE);
        CL_JUSTFREE.next = EnumSet.noneOf(ClientState.class);
    }

    public boolean canMoveTo(ClientState to) {
        return next.contains(to);
    }

    /** Queued for a server, before or after the welcome. */
    public boolean waiting() {
        return this == CL_WAITING || this == CL_WAITING_LOGIN;
    }
}
