package io.jbouncer.core.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Answers the metrics endpoint's three kinds of request: {@code GET /metrics} (the Prometheus text format, or
 * OpenMetrics when the Accept header names it), {@code GET /health} (200 {@code ok}, or 503 with the reason while
 * shutting down or paused) and 404 for anything else. Runs on a pooler event loop, so it never blocks.
 */
@ChannelHandler.Sharable
final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final String TEXT = "text/plain; charset=utf-8";
    /** The two exposition formats; micrometer's registry picks its writer from the same strings. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    /** {@code null} while serving, else why not (e.g. {@code shutting down}). */
    private final Supplier<String> unhealthy;

    MetricsHandler(PrometheusMeterRegistry registry, Supplier<String> unhealthy) {
        this.registry = registry;
        this.unhealthy = unhealthy;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
        } else if (!HttpMethod.GET.equals(request.method())) {
            respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", false);
        } else {
            switch (new QueryStringDecoder(request.uri()).path()) {
                case "/metrics" -> scrape(ctx, request);
                case "/health" -> health(ctx, request);
                default -> respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found: try /metrics or /health\n",
                        true);
            }
        }
    }

    private void health(ChannelHandlerContext ctx, FullHttpRequest request) {
        String problem = unhealthy.get();
        if (problem == null) {
            respond(ctx, request, HttpResponseStatus.OK, "ok\n", true);
        } else {
            respond(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, problem + "\n", true);
        }
    }

    private void scrape(ChannelHandlerContext ctx, FullHttpRequest request) {
        String accept = request.headers().get(HttpHeaderNames.ACCEPT, "");
        String contentType = accept.contains("application/openmetrics-text")
                ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        ByteBuf body = ctx.alloc().buffer();
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            registry.scrape(out, contentType);
        } catch (IOException | RuntimeException e) {
            body.release();
            respond(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed: " + e + "\n", false);
            return;
        }
        send(ctx, request, HttpResponseStatus.OK, contentType, body, true);
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
            String text, boolean keepAlive) {
        send(ctx, request, status, TEXT, ctx.alloc().buffer().writeBytes(text.getBytes(StandardCharsets.UTF_8)),
                keepAlive);
    }

    /** Writes {@code body} (ownership passes to the write); closes afterwards unless both sides keep alive. */
    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
            String contentType, ByteBuf body, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        boolean keep = keepAlive && HttpUtil.isKeepAlive(request);
        if (!keep) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var written = ctx.writeAndFlush(response);
        if (!keep) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A read timeout, a reset or a codec failure: this HTTP client is dropped, nothing else is affected. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
