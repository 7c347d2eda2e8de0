package io.jbouncer.core.client;

import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one wait in a pool's queue: {@code query_wait_timeout}'s FATAL, and the {@code query_wait_notify}
 * NOTICE for a welcomed client queued more than that many whole seconds (PgBouncer compares whole seconds with
 * {@code >}, so 5 means from the sixth second on). A client keeps one event-loop timer per wait, at the earlier of
 * the two; this class is the arithmetic of that timer, on the time waited the caller read from its clock, so tests
 * choose the clock. Values in milliseconds, 0 meaning off.
 */
record QueueWaitTimer(long limitMillis, long notifyMillis) {

    /**
     * @param limitMillis   the pool's {@code query_wait_timeout}
     * @param notifySeconds {@code query_wait_notify}
     * @param noticeWanted  the client is welcomed (CL_WAITING) and has not had the NOTICE yet: once in its life
     */
    static QueueWaitTimer of(long limitMillis, int notifySeconds, boolean noticeWanted) {
        long notifyMillis = notifySeconds > 0 && noticeWanted ? TimeUnit.SECONDS.toMillis(notifySeconds + 1L) : 0;
        return new QueueWaitTimer(limitMillis, notifyMillis);
    }

    /** Milliseconds from now until the earlier deadline, after {@code waitedNanos} in the queue; -1 when both are off. */
    long delayMillis(long waitedNanos) {
        long dueMillis = limitMillis == 0 ? notifyMillis : notifyMillis == 0 ? limitMillis
                : Math.min(limitMillis, notifyMillis);
        if (dueMillis <= 0) {
            return -1;
        }
        return Math.max(0, dueMillis - TimeUnit.NANOSECONDS.toMillis(waitedNanos));
    }

    /** Whether {@code query_wait_timeout} has expired after {@code waitedNanos} in the queue. */
    boolean timedOut(long waitedNanos) {
        return limitMillis > 0 && TimeUnit.NANOSECONDS.toMillis(waitedNanos) >= limitMillis;
    }
}
