package io.jbouncer.core.state;

import io.jbouncer.core.stats.ThreadCounters;

/**
 * How many connections of one pool are in each state, kept up to date by the connections' own transitions, so
 * SHOW POOLS and the pool's own decisions read a count instead of walking every connection.
 *
 * <p>Transitions happen on many event loops at once (every client and server of a pool may live on a different
 * one), several per transaction, so the counts are {@link ThreadCounters}: each loop adds to counts of its own,
 * and a read (the console, the janitor) sums them. A read taken while connections move may be off by the moves in
 * flight, exactly as a snapshot of live state is.
 */
public final class StateCounts<E extends Enum<E>> {
    private final ThreadCounters counts;
    private final E terminal;

    /** @param terminal the end state, which is never counted (a closed connection is gone) */
    public StateCounts(Class<E> states, E terminal) {
        this.terminal = terminal;
        counts = new ThreadCounters(states.getEnumConstants().length);
    }

    /** A connection of this pool entered {@code state} (counted here from now on). */
    public void enter(E state) {
        if (state != terminal) {
            counts.add(state.ordinal(), 1);
        }
    }

    /** A connection counted here moved. */
    public void moved(E from, E to) {
        if (from == terminal) {
            enter(to);
        } else if (to == terminal) {
            counts.add(from.ordinal(), -1);
        } else {
            counts.add(from.ordinal(), -1, to.ordinal(), 1);
        }
    }

    public int get(E state) {
        return (int) counts.sum(state.ordinal());
    }

    /** Connections counted here in any state but the end one. */
    public int live() {
        return (int) counts.sumAll();
    }
}
