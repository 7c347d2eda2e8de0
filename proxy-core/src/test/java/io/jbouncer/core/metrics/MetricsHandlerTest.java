package io.jbouncer.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The HTTP handler behind the server codec, fed raw request bytes as a client would send them; responses are
 * decoded back with Netty's client codec. Runs under paranoid leak detection: every response buffer is released.
 */
class MetricsHandlerTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<String> problem = new AtomicReference<>();

    @Test
    void healthSaysWhyItIsNotReady() {
        assertEquals("200 OK|ok\n", exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
        problem.set("paused");
        assertEquals("503 Service Unavailable|paused\n", exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    @Test
    void metricsInEitherFormat() {
        registry.counter("jbouncer.test").increment();
        String text = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(text.startsWith("200 OK|") && text.contains("jbouncer_test_total 1.0"), text);
        String open = exchange("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text\r\n\r\n");
        assertTrue(open.startsWith("200 OK|") && open.endsWith("# EOF\n"), open);
    }

    @Test
    void everythingElseIsRefusedAndTheConnectionClosedWhereItCannotGoOn() {
        assertEquals("404 Not Found|not found: try /metrics or /health\n",
                exchange("GET /admin HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals("405 Method Not Allowed|only GET\n",
                exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
        assertTrue(exchange("\u0000\u0001\u0002 garbage\r\n\r\n").startsWith("400 Bad Request|"));
    }

    /** Sends {@code request} through a server pipeline; returns "status|body" of the one response. */
    private String exchange(String request) {
        EmbeddedChannel server = new EmbeddedChannel(new HttpServerCodec(4096, 8192, 1024),
                new HttpObjectAggregator(1024), new MetricsHandler(registry, problem::get));
        EmbeddedChannel client = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(1 << 20));
        try {
            // The client codec decodes a response by the request it sent: let it send a GET, and drop its bytes.
            client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
            releaseAll(client);
            server.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
            Object wire;
            while ((wire = server.readOutbound()) != null) {
                client.writeInbound(wire);
            }
            FullHttpResponse response = client.readInbound();
            try {
                return response.status() + "|" + response.content().toString(StandardCharsets.UTF_8);
            } finally {
                response.release();
                assertNull(client.readInbound());
            }
        } finally {
            server.finishAndReleaseAll();
            client.finishAndReleaseAll();
        }
    }

    private static void releaseAll(EmbeddedChannel channel) {
        Object out;
        while ((out = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(out);
        }
    }
}
