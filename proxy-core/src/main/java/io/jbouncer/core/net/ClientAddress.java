package io.jbouncer.core.net;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The address a client is known by: the source address of its PROXY protocol header when a trusted load balancer
 * sent one, else the peer address of its socket. SHOW CLIENTS, hba rules, {@code application_name_add_host} and the
 * log lines all use it.
 */
public final class ClientAddress {

    static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf("jbouncer.proxied.source");

    private ClientAddress() {
    }

    public static SocketAddress of(Channel channel) {
        // hasAttr first: attr() would give every channel an attribute map and an empty attribute (~50 bytes per
        // client) although only PROXY-protocol clients have one
        if (channel.hasAttr(PROXIED)) {
            return channel.attr(PROXIED).get();
        }
        return channel.remoteAddress();
    }
}
