package io.jbouncer.core.stats;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small number of its own for each thread that writes {@link ThreadCounters}: the index of its counts there.
 *
 * <p>The event loops, which make nearly every write, are Netty {@code FastThreadLocalThread}s, so finding the slot
 * is an array read. Slots are never reused (a dead thread's counts still count), so the number handed out is capped:
 * the event loops are fixed and take theirs first, and a thread after the cap (short-lived helper threads in a
 * long-running test JVM) writes the shared atomic counts instead.
 */
final class WriterSlot {
    /** The most threads with counts of their own. */
    static final int MAX = 256;

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final FastThreadLocal<Integer> SLOT = new FastThreadLocal<>() {
        @Override
        protected Integer initialValue() {
            int slot = NEXT.getAndUpdate(next -> next < MAX ? next + 1 : next);
            return slot < MAX ? slot : -1;
        }
    };

    private WriterSlot() {
    }

    /** The calling thread's slot, or -1 when the slots ran out. */
    static int current() {
        return SLOT.get();
    }
}
