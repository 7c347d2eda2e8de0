package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ClientAddressTest {

    @Test
    void aClientWithoutProxyHeaderIsKnownByItsPeerAddressAndGetsNoAttribute() {
        EmbeddedChannel channel = new EmbeddedChannel();
        try {
            assertEquals(channel.remoteAddress(), ClientAddress.of(channel));
            assertFalse(channel.hasAttr(ClientAddress.PROXIED), "asking must not create the attribute");
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aProxiedClientIsKnownByTheHeadersSourceAddress() {
        EmbeddedChannel channel = new EmbeddedChannel();
        try {
            InetSocketAddress source = new InetSocketAddress("192.0.2.7", 40123);
            channel.attr(ClientAddress.PROXIED).set(source);
            assertEquals(source, ClientAddress.of(channel));
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
