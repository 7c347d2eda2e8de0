package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A failed accept pauses accepting for a second, then resumes, unless SUSPEND holds the listener meanwhile. */
class AcceptFailuresTest {

    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final EmbeddedChannel listening = frozen(new EmbeddedChannel(new AcceptFailures(accepting::get)));

    /** The channel's clock moves only by {@code advanceTimeBy}, whatever the load on the machine. */
    private static EmbeddedChannel frozen(EmbeddedChannel channel) {
        channel.freezeTime();
        return channel;
    }

    @Test
    void aFailedAcceptPausesAcceptingThenResumes() {
        listening.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        assertNull(listening.<Object>readInbound());
        assertFalse(listening.config().isAutoRead(), "accepting again at once: the failing accept would spin");
        listening.advanceTimeBy(AcceptFailures.PAUSE.toMillis() - 1, TimeUnit.MILLISECONDS);
        listening.runScheduledPendingTasks();
        assertFalse(listening.config().isAutoRead());
        listening.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        listening.runScheduledPendingTasks();
        assertTrue(listening.config().isAutoRead());
        listening.checkException(); // the failure stopped here, not at the pipeline's tail
    }

    @Test
    void aSuspendDuringThePauseKeepsTheListenerStopped() {
        listening.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        accepting.set(false);
        listening.advanceTimeBy(AcceptFailures.PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        listening.runScheduledPendingTasks();
        assertFalse(listening.config().isAutoRead(), "the pause ended SUSPEND");
    }
}
