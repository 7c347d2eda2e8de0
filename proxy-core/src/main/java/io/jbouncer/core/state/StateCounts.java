package io.jbouncer.core.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many connections of one pool are in each state, kept up to date by the connections' own transitions, so
 * SHOW POOLS and the pool's own decisions read a count instead of walking every connection.
 *
 * <p>Transitions happen on many event loops at once (every client and server of a pool may live on a different
 * one), several per transaction. So each writing thread has counts of its own here ({@link WriterSlot}), which only
 * it writes: a move is two plain additions published with opaque stores, with no locked instruction and no cache
 * line shared with another loop. A count may go negative in one thread's cell (a server taken from the pool on its
 * client's loop and returned on its own); only the sum means anything. A thread past {@link WriterSlot#MAX} writers
 * shares atomic counts instead. A read (the console, the janitor) sums every writer's counts; taken while
 * connections move, it may be off by the moves in flight, exactly as a snapshot of live state is.
 */
public final class StateCounts<E extends Enum<E>> {
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);
    /** Unused longs before a writer's counts (and after them): two loops' counts never share a cache line. */
    private static final int PAD = 8;

    private final E terminal;
    private final int states;
    /** By {@link WriterSlot}: that thread's counts at {@code PAD + ordinal}, or {@code null} until it writes. */
    private volatile long[][] cells = new long[0][];
    /** The counts of threads without a slot. */
    private final AtomicLongArray shared;

    /** @param terminal the end state, which is never counted (a closed connection is gone) */
    public StateCounts(Class<E> states, E terminal) {
        this.terminal = terminal;
        this.states = states.getEnumConstants().length;
        this.shared = new AtomicLongArray(this.states);
    }

    /** A connection of this pool entered {@code state} (counted here from now on). */
    public void enter(E state) {
        if (state != terminal) {
            add(cellOfThisThread(), state.ordinal(), 1);
        }
    }

    /** A connection counted here moved. */
    public void moved(E from, E to) {
        long[] cell = cellOfThisThread();
        if (from != terminal) {
            add(cell, from.ordinal(), -1);
        }
        if (to != terminal) {
            add(cell, to.ordinal(), 1);
        }
    }

    public int get(E state) {
        int index = state.ordinal();
        long sum = shared.get(index);
        for (long[] cell : cells) {
            if (cell != null) {
                sum += (long) COUNT.getOpaque(cell, PAD + index);
            }
        }
        return (int) sum;
    }

    /** Connections counted here in any state but the end one. */
    public int live() {
        long sum = 0;
        for (int index = 0; index < states; index++) {
            sum += shared.get(index);
        }
        for (long[] cell : cells) {
            if (cell != null) {
                for (int index = 0; index < states; index++) {
                    sum += (long) COUNT.getOpaque(cell, PAD + index);
                }
            }
        }
        return (int) sum;
    }

    /** Only the owning thread writes a cell, so a plain read of its own count and an opaque store suffice. */
    private void add(long[] cell, int index, long delta) {
        if (cell == null) {
            shared.addAndGet(index, delta);
        } else {
            COUNT.setOpaque(cell, PAD + index, cell[PAD + index] + delta);
        }
    }

    /** The calling thread's counts, made on its first write; {@code null} for a thread without a slot. */
    private long[] cellOfThisThread() {
        int slot = WriterSlot.current();
        if (slot < 0) {
            return null;
        }
        long[][] current = cells;
        long[] cell = slot < current.length ? current[slot] : null;
        return cell != null ? cell : makeCell(slot);
    }

    private synchronized long[] makeCell(int slot) {
        long[][] current = cells;
        long[][] grown = slot < current.length ? current.clone() : Arrays.copyOf(current, slot + 1);
        long[] cell = new long[PAD + states + PAD];
        grown[slot] = cell;
        cells = grown;
        return cell;
    }
}
