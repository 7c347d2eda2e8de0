package io.jbouncer.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link QueueWaitTimer}: when a queued client's timer is due and whether it timed out, at times the test picks. */
class QueueWaitTimerTest {
    private static final long MS = 1_000_000L;

    @Test
    void theTimerIsDueAtTheEarlierDeadline() {
        QueueWaitTimer both = QueueWaitTimer.of(120_000, 5, true);
        assertEquals(6_000, both.delayMillis(0), "query_wait_notify = 5 means from the sixth second on");
        assertEquals(1_000, both.delayMillis(5_000 * MS));
        assertEquals(3_000, QueueWaitTimer.of(3_000, 5, true).delayMillis(0));
    }

    @Test
    void aNoticeAlreadySentOrAClientNotYetWelcomedLeavesOnlyTheLimit() {
        assertEquals(114_000, QueueWaitTimer.of(120_000, 5, false).delayMillis(6_000 * MS));
    }

    @Test
    void anOverdueTimerFiresAtOnceAndNoDeadlineMeansNoTimer() {
        assertEquals(0, QueueWaitTimer.of(1_000, 0, true).delayMillis(5_000 * MS));
        assertEquals(-1, QueueWaitTimer.of(0, 0, true).delayMillis(0));
        assertEquals(-1, QueueWaitTimer.of(0, 5, false).delayMillis(0));
    }

    @Test
    void queryWaitTimeoutExpiresAtTheLimitInWholeMilliseconds() {
        QueueWaitTimer timer = QueueWaitTimer.of(2_000, 1, true);
        assertFalse(timer.timedOut(2_000 * MS - 1));
        assertTrue(timer.timedOut(2_000 * MS));
        assertFalse(QueueWaitTimer.of(0, 1, true).timedOut(Long.MAX_VALUE), "0 = no limit");
    }
}
