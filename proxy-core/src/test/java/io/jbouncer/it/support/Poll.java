package io.jbouncer.it.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition by polling it until a deadline: the harness's only way of waiting for another process to
 * become ready (never a fixed sleep).
 */
public final class Poll {

    private static final long INTERVAL_MILLIS = 50;

    private Poll() {
    }

    /**
     * Evaluates {@code ready} every 50 ms until it returns {@code true} or {@code timeout} has passed.
     * The condition may throw to abort early (for example when the awaited process has died).
     *
     * @return whether the condition became true before the deadline
     */
    public static boolean until(Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while polling", e);
            }
        }
        return true;
    }
}
