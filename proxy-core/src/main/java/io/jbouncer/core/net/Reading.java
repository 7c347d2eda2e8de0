package io.jbouncer.core.net;

import io.netty.channel.Channel;

/**
 * Turns reading of a channel on or off exactly. {@code setAutoRead(false)} called from another thread leaves
 * Netty's epoll interest in place while a read is pending, so one more read happens; run on the channel's own event
 * loop it takes effect at once. Backpressure tolerates that one read; SUSPEND must not.
 */
public final class Reading {
    private Reading() {
    }

    public static void set(Channel channel, boolean read) {
        if (channel.eventLoop().inEventLoop()) {
            channel.config().setAutoRead(read);
        } else {
            channel.eventLoop().execute(() -> channel.config().setAutoRead(read));
        }
    }
}
