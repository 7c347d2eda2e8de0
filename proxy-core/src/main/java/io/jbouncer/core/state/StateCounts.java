package io.jbouncer.core.state;

import java.util.concurrent.atomic.LongAdder;

/**
 * How many connections of one pool are in each state, kept up to date by the connections' own transitions, so
 * SHOW POOLS and the pool's own decisions read a count instead of walking every connection.
 *
 * <p>Transitions happen on many event loops at once (every client and server of a pool may live on a different
 * one), so each state has a {@link LongAdder}: an update never contends with another loop's, and a read (the
 * console, the janitor) sums a handful of cells. A read taken while connections move may be off by the moves in
 * flight, exactly as a snapshot of live state is.
 */
public final class StateCounts<E extends Enum<E>> {
    private final LongAdder[] counts;
    private final E terminal;

    /** @param terminal the end state, which is never counted (a closed connection is gone) */
    public StateCounts(Class<E> states, E terminal) {
        this.terminal = terminal;
        counts = new LongAdder[states.getEnumConstants().length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** A connection of this pool entered {@code state} (counted here from now on). */
    public void enter(E state) {
        if (state != terminal) {
            counts[state.ordinal()].increment();
        }
    }

    /** A connection counted here moved. */
    public void moved(E from, E to) {
        if (from != terminal) {
            counts[from.ordinal()].decrement();
        }
        enter(to);
    }

    public int get(E state) {
        return (int) counts[state.ordinal()].sum();
    }

    /** Connections counted here in any state but the end one. */
    public int live() {
        long sum = 0;
        for (LongAdder count : counts) {
            sum += count.sum();
        }
        return (int) sum;
    }
}
