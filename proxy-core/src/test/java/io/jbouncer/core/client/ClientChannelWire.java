package io.jbouncer.core.client;

import io.jbouncer.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** What a client handler under test wrote to its {@link EmbeddedChannel}, read back as wire bytes. */
final class ClientChannelWire {
    private ClientChannelWire() {
    }

    /** Everything written to the client so far, as one byte array (released). */
    static byte[] answered(EmbeddedChannel channel) {
        return Wire.encoded(all -> {
            ByteBuf part;
            while ((part = channel.readOutbound()) != null) {
                all.writeBytes(part);
                part.release();
            }
        });
    }

    /** The tags of the typed messages in {@code wire}. */
    static String tags(byte[] wire) {
        StringBuilder tags = new StringBuilder();
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        while (in.isReadable()) {
            tags.append((char) in.readByte());
            in.skipBytes(in.readInt() - 4);
        }
        return tags.toString();
    }
}
