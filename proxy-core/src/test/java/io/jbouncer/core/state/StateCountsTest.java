package io.jbouncer.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.DefaultEventLoop;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StateCountsTest {

    private static final int MOVES = 100_000;

    /**
     * A server is taken from the pool on its client's loop and returned on its own: each thread's counts drift, the
     * sums stay exact.
     */
    @Test
    void movesWrittenOnDifferentThreadsSumExactly() throws Exception {
        StateCounts<ServerState> counts = new StateCounts<>(ServerState.class, ServerState.SV_JUSTFREE);
        for (int i = 0; i < 4; i++) {
            counts.enter(ServerState.SV_IDLE); // the test thread: not an event loop
        }
        DefaultEventLoop clientLoop = new DefaultEventLoop();
        DefaultEventLoop serverLoop = new DefaultEventLoop();
        try {
            CountDownLatch done = new CountDownLatch(2);
            clientLoop.execute(() -> {
                for (int i = 0; i < MOVES; i++) {
                    counts.moved(ServerState.SV_IDLE, ServerState.SV_ACTIVE);
                }
                done.countDown();
            });
            serverLoop.execute(() -> {
                for (int i = 0; i < MOVES; i++) {
                    counts.moved(ServerState.SV_ACTIVE, ServerState.SV_IDLE);
                }
                done.countDown();
            });
            assertEquals(true, done.await(30, TimeUnit.SECONDS));
        } finally {
            clientLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            serverLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
        assertEquals(4, counts.get(ServerState.SV_IDLE));
        assertEquals(0, counts.get(ServerState.SV_ACTIVE));
        assertEquals(4, counts.live());
    }
}
