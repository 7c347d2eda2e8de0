package io.jbouncer.core.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Whether every channel of a set has written out what was queued for its socket (SUSPEND's reply waits for it).
 * A channel's outbound buffer belongs to its event loop, so each loop is asked on its own thread; the answer
 * arrives later and is read at the next poll.
 */
final class FlushProbe {
    private final Supplier<List<Channel>> channels;
    private CompletableFuture<Boolean> running;

    FlushProbe(Supplier<List<Channel>> channels) {
        this.channels = channels;
    }

    /**
     * Polled (on the janitor's tick): {@code true} once a probe found nothing queued anywhere. Each call after a
     * probe completed with bytes still queued starts the next probe.
     */
    synchronized boolean flushed() {
        if (running != null && !running.isDone()) {
            return false;
        }
        if (running != null && running.getNow(false)) {
            return true;
        }
        running = probe();
        return false;
    }

    private CompletableFuture<Boolean> probe() {
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (Channel channel : channels.get()) {
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            try {
                channel.eventLoop().execute(() -> answer.complete(nothingQueued(channel)));
            } catch (RejectedExecutionException stopping) {
                answer.complete(true); // its loop is gone, and so is anything it had queued
            }
            answers.add(answer);
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenApply(done -> answers.stream().allMatch(CompletableFuture::join));
    }

    /** On the channel's own event loop. */
    private static boolean nothingQueued(Channel channel) {
        ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
        return pending == null || pending.totalPendingWriteBytes() == 0;
    }
}
