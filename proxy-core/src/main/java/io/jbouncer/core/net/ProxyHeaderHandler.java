package io.jbouncer.core.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;

/**
 * Takes the PROXY protocol header that Netty's {@code HAProxyMessageDecoder} (in front of it) decoded, v1 or v2:
 * for a proxied TCP connection its source address becomes the client's ({@link ClientAddress}); a {@code LOCAL}
 * command (the load balancer's own health check) or an {@code UNKNOWN} protocol keeps the socket's peer address,
 * as the protocol specifies. Then it leaves the pipeline; the decoder has already left.
 */
final class ProxyHeaderHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            HAProxyProxiedProtocol protocol = header.proxiedProtocol();
            if (header.command() == HAProxyCommand.PROXY && (protocol == HAProxyProxiedProtocol.TCP4
                    || protocol == HAProxyProxiedProtocol.TCP6)) {
                ctx.channel().attr(ClientAddress.PROXIED).set(
                        new InetSocketAddress(header.sourceAddress(), header.sourcePort()));
            }
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
    }
}
