package io.jbouncer.core.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * The write of relayed bytes to the peer channel (a client's request to its server, a server's reply to its client),
 * without a promise object per write.
 *
 * <p>Nobody waits for these writes: the flush comes once per read burst, and a failure needs no answer here, because
 * the channel that failed is closed by Netty and its own {@code channelInactive} tells the other side. So the write
 * takes the channel's placeholder promise, which is never notified, instead of a new {@code ChannelPromise} (an
 * allocation, and its completion, per message relayed). The channel's public {@code voidPromise()} would instead
 * fire a failed write (to a peer closed a moment ago) into the peer's pipeline as an exception, and log it.
 */
public final class RelayWrite {

    private RelayWrite() {
    }

    /** Writes {@code bytes} to {@code peer} (ownership passes to Netty, which releases them); any thread. */
    public static void to(Channel peer, ByteBuf bytes) {
        peer.write(bytes, peer.unsafe().voidPromise());
    }
}
