package io.jbouncer.core.metrics;

import io.jbouncer.core.stats.DatabaseEvents;
import io.jbouncer.core.stats.PoolerEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pooler's events as micrometer meters: latency histograms per database, refused logins by reason, TLS
 * handshakes ({@code jbouncer_tls_handshakes_total{side,result}}) and reloads ({@code jbouncer_reloads_total{result}},
 * the last one's result and time).
 */
final class MeteredEvents implements PoolerEvents {
    private final MeterRegistry registry;
    private final Map<String, DatabaseMeters> databases = new ConcurrentHashMap<>();
    private final Map<LoginRefusal, Counter> refusals = new EnumMap<>(LoginRefusal.class);
    private final Map<PoolerEvents.TlsSide, Counter> tlsSucceeded = new EnumMap<>(PoolerEvents.TlsSide.class);
    private final Map<PoolerEvents.TlsSide, Counter> tlsFailed = new EnumMap<>(PoolerEvents.TlsSide.class);
    private final Counter reloadsSucceeded;
    private final Counter reloadsFailed;
    /** 1 if the last reload succeeded, 0 if it failed; 1 before any (the configuration at start loaded). */
    private volatile int lastReloadSucceeded = 1;
    /** When the last reload ended, in epoch seconds; 0 before any. */
    private volatile double lastReloadEpochSeconds;

    MeteredEvents(MeterRegistry registry) {
        this.registry = registry;
        for (LoginRefusal reason : LoginRefusal.values()) {
            refusals.put(reason, Counter.builder("jbouncer.login.failures").description("Logins refused, by reason")
                    .tag("reason", reason.label()).register(registry));
        }
        for (PoolerEvents.TlsSide side : PoolerEvents.TlsSide.values()) {
            tlsSucceeded.put(side, handshakes(side, "success"));
            tlsFailed.put(side, handshakes(side, "failure"));
        }
        reloadsSucceeded = reloads("success");
        reloadsFailed = reloads("failure");
        Gauge.builder("jbouncer.reload.last.success", this, events -> events.lastReloadSucceeded)
                .description("1 if the last RELOAD or SIGHUP applied the configuration, 0 if it failed")
                .register(registry);
        Gauge.builder("jbouncer.reload.last.timestamp", this, events -> events.lastReloadEpochSeconds)
                .description("When the last reload ended, in seconds since the epoch; 0 before the first")
                .baseUnit("seconds").register(registry);
    }

    private Counter handshakes(PoolerEvents.TlsSide side, String result) {
        return Counter.builder("jbouncer.tls.handshakes")
                .description("TLS handshakes, with clients (side=client) and with PostgreSQL (side=server)")
                .tag("side", side.name().toLowerCase(Locale.ROOT)).tag("result", result).register(registry);
    }

    private Counter reloads(String result) {
        return Counter.builder("jbouncer.reloads").description("Configuration reloads (RELOAD or SIGHUP), by result")
                .tag("result", result).register(registry);
    }

    @Override
    public DatabaseEvents database(String database) {
        return databases.computeIfAbsent(database, name -> new DatabaseMeters(registry, name));
    }

    @Override
    public void loginRefused(String message) {
        refusals.get(LoginRefusal.of(message)).increment();
    }

    @Override
    public void tlsHandshake(PoolerEvents.TlsSide side, boolean succeeded) {
        (succeeded ? tlsSucceeded : tlsFailed).get(side).increment();
    }

    @Override
    public void reloaded(boolean succeeded) {
        (succeeded ? reloadsSucceeded : reloadsFailed).increment();
        lastReloadSucceeded = succeeded ? 1 : 0;
        lastReloadEpochSeconds = System.currentTimeMillis() / 1000.0;
    }
}
