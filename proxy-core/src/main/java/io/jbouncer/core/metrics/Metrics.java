package io.jbouncer.core.metrics;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.core.Log;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.net.Transport;
import io.jbouncer.core.stats.PoolerEvents;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The metrics endpoint as JBouncer sees it ({@code metrics_port}, {@code metrics_addr}; docs/metrics.md): created
 * before the pooler so pools get their latency recorders, started once the console's view exists, closed at stop.
 * With {@code metrics_port = 0} it is inert: {@link PoolerEvents#NONE}, no registry, no socket.
 */
public final class Metrics {
    private final String addr;
    private final int port;
    private final PrometheusMeterRegistry registry;
    private final PoolerEvents events;
    private JvmGcMetrics gc;
    private MetricsEndpoint endpoint;

    private Metrics(String addr, int port, PrometheusMeterRegistry registry, PoolerEvents events) {
        this.addr = addr;
        this.port = port;
        this.registry = registry;
        this.events = events;
    }

    /** Metrics as {@code config} asks (restart-only settings: read once here). */
    public static Metrics create(Config config) {
        if (config.metricsPort() <= 0) {
            return new Metrics(null, 0, null, PoolerEvents.NONE);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new Metrics(config.metricsAddr(), config.metricsPort(), registry, new MeteredEvents(registry));
    }

    /** Where the pooler reports latencies, statement cache use, refused logins and reloads. */
    public PoolerEvents events() {
        return events;
    }

    /**
     * Binds the endpoint. {@code unhealthy} answers {@code /health}: {@code null} while serving, else the reason.
     */
    public void start(PoolerView view, Supplier<String> unhealthy, Transport transport, EventLoopGroup workers)
            throws IOException {
        if (registry == null) {
            return;
        }
        registry.getPrometheusRegistry().register(new ExporterMetrics(view));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        endpoint = MetricsEndpoint.bind(transport, workers, addr, port, registry, unhealthy);
        Log.info("metrics on http://%s:%d/metrics", addr.contains(":") ? "[" + addr + "]" : addr, port);
    }

    /** Closes the socket and the GC listeners. Idempotent. */
    public void close() {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
        if (gc != null) {
            gc.close();
            gc = null;
        }
    }
}
