package io.jbouncer.core.net;

import io.jbouncer.core.Log;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import java.util.List;

/**
 * In front of Netty's {@code HAProxyMessageDecoder} for a client that must send a PROXY header: that decoder takes
 * anything that is not a v2 header for a v1 line and waits for its end of line, so a client speaking PostgreSQL
 * straight away would hang until {@code client_login_timeout}. This check closes it as soon as the first bytes can
 * be neither header, and otherwise leaves the pipeline, handing the bytes on.
 */
final class ProxyHeaderCheck extends ByteToMessageDecoder {

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ProtocolDetectionResult<HAProxyProtocolVersion> detected = HAProxyMessageDecoder.detectProtocol(in);
        switch (detected.state()) {
            case NEEDS_MORE_DATA -> { }
            case INVALID -> {
                Log.warning("closing %s: it must send a PROXY protocol header first (proxy_trusted_networks)",
                        ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                ctx.close();
            }
            case DETECTED -> ctx.pipeline().remove(this);
        }
    }
}
