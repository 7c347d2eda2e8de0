package io.jbouncer.core.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed number of counters that many event loops add to at once, several times per transaction (a pool's state
 * counts, its SHOW STATS sums), and that the console or the janitor sometimes reads.
 *
 * <p>Each writing thread has cells of its own here ({@link WriterSlot}), which only it writes: an addition is a
 * plain read and an opaque store, with no locked instruction and no cache line shared with another loop (a
 * {@code LongAdder} per counter takes a CAS per addition, and its cells are shared by whichever threads hash to
 * them). A read sums every thread's cells; only the sum means anything (one thread's cell may go negative where
 * another thread adds the matching amount). A thread past {@link WriterSlot#MAX} writers adds to shared atomic
 * counters instead. A read taken while threads add may miss the additions in flight, as a {@code LongAdder}'s sum
 * does.
 */
public final class ThreadCounters {
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);
    /** Unused longs before a thread's cells (and after them): two loops' cells never share a cache line. */
    private static final int PAD = 8;

    private final int counters;
    /** By {@link WriterSlot}: that thread's counter {@code i} at {@code PAD + i}, or {@code null} until it adds. */
    private volatile long[][] cells = new long[0][];
    /** The counters of threads without a slot. */
    private final AtomicLongArray shared;

    public ThreadCounters(int counters) {
        this.counters = counters;
        this.shared = new AtomicLongArray(counters);
    }

    public void add(int counter, long delta) {
        add(cellOfThisThread(), counter, delta);
    }

    /** Two additions for the price of one look-up of the thread's cells. */
    public void add(int counter, long delta, int other, long otherDelta) {
        long[] cell = cellOfThisThread();
        add(cell, counter, delta);
        add(cell, other, otherDelta);
    }

    public long sum(int counter) {
        long sum = shared.get(counter);
        for (long[] cell : cells) {
            if (cell != null) {
                sum += (long) COUNT.getOpaque(cell, PAD + counter);
            }
        }
        return sum;
    }

    /** The sum of every counter. */
    public long sumAll() {
        long sum = 0;
        for (int counter = 0; counter < counters; counter++) {
            sum += sum(counter);
        }
        return sum;
    }

    /** Only the owning thread writes a cell, so a plain read of its own count and an opaque store suffice. */
    private void add(long[] cell, int counter, long delta) {
        if (cell == null) {
            shared.addAndGet(counter, delta);
        } else {
            COUNT.setOpaque(cell, PAD + counter, cell[PAD + counter] + delta);
        }
    }

    /** The calling thread's cells, made on its first addition; {@code null} for a thread without a slot. */
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
        long[] cell = new long[PAD + counters + PAD];
        grown[slot] = cell;
        cells = grown;
        return cell;
    }
}
