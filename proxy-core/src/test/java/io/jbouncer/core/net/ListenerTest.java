package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;

class ListenerTest {

    @Test
    void theSharedReceiveSizerReadsAsManyTimesPerEventAsNettysOwnPerChannelOne() {
        NioSocketChannel socket = new NioSocketChannel();
        try {
            MaxMessagesRecvByteBufAllocator own = socket.config().getRecvByteBufAllocator();
            assertEquals(own.getClass(), Listener.CLIENT_RECEIVE_SIZES.getClass());
            assertEquals(own.maxMessagesPerRead(),
                    ((MaxMessagesRecvByteBufAllocator) Listener.CLIENT_RECEIVE_SIZES).maxMessagesPerRead());
        } finally {
            socket.unsafe().closeForcibly();
        }
    }
}
