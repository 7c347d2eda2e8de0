package io.jbouncer.core.net;

import java.util.concurrent.atomic.AtomicLong;

/** PgBouncer's socket id (SHOW CLIENTS/SERVERS {@code id}, KILL_CLIENT): one counter shared by clients and servers. */
public final class ConnectionIds {
    private static final AtomicLong NEXT = new AtomicLong(1);

    private ConnectionIds() {
    }

    public static long next() {
        return NEXT.getAndIncrement();
    }
}
