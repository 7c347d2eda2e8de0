package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.MetricsScrape;
import io.jbouncer.it.support.MetricsScrape.Sample;
import io.jbouncer.it.support.PgbouncerExporterScrape;
import io.jbouncer.it.support.Pgbench;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.StartedBouncers;
import io.jbouncer.it.support.TestRole;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metrics endpoint ({@code metrics_port}) of a real jbouncer pooling a real PostgreSQL: values that move with
 * pgbench traffic and match the console, every series prometheus-community/pgbouncer_exporter would write, label
 * escaping, {@code /health} through PAUSE and shutdown, and HTTP clients that misbehave without touching pooling.
 */
class MetricsEndpointIT {
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "metrics_db";
    /** A [databases] name that needs escaping in a label value. */
    private static final String ODD_DB = "odd\"name\\db";
    private static final String ADMIN = "admin";
    private static final String ADMIN_PASS = "admin_pass";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static int metricsPort;

    @BeforeAll
    static void start() throws SQLException {
        role = TestRole.create(pg, "metrics_user");
        Pgbench.of(pg).createDatabase(role, DB);
        metricsPort = FreePort.find();
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", ADMIN)
                // Small enough for pgbench's seven prepared statements to evict each other.
                .set("max_prepared_statements", "2")
                .set("metrics_port", Integer.toString(metricsPort))
                .database(DB, pg.connstring(DB))
                .database("'" + ODD_DB + "'", pg.connstring(DB)) // quoted: the ini key syntax allows any bytes
                .user(ADMIN, ADMIN_PASS)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void pgbenchTrafficShowsInTheScrapeWithTheConsoleValues() throws SQLException {
        pgbench("-c", "4", "-j", "2", "-t", "50");

        Map<String, String> console;
        try (Connection admin = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            console = AdminConsole.row(admin, "SHOW STATS_TOTALS", "database", DB);
        }
        List<Sample> samples = MetricsScrape.scrape(metricsPort);
        Map<String, String> db = Map.of("database", DB);
        double xacts = Double.parseDouble(console.get("xact_count"));
        assertTrue(xacts >= 200, () -> "pgbench ran 200 transactions: " + console);
        assertEquals(xacts, value(samples, "pgbouncer_stats_totals_sql_transactions_pooled_total", db));
        assertEquals(xacts, value(samples, "pgbouncer_stats_sql_transactions_pooled_total", db));
        assertEquals(Double.parseDouble(console.get("query_count")),
                value(samples, "pgbouncer_stats_totals_queries_pooled_total", db));
        assertEquals(Double.parseDouble(console.get("bytes_received")),
                value(samples, "pgbouncer_stats_totals_received_bytes_total", db));
        assertEquals(Double.parseDouble(console.get("xact_time")) / 1e6,
                value(samples, "pgbouncer_stats_totals_server_in_transaction_seconds_total", db), 1e-6);
        // The histograms count the same events as the console's counters.
        assertEquals(xacts, value(samples, "jbouncer_transaction_seconds_count", db));
        assertEquals(Double.parseDouble(console.get("query_count")),
                value(samples, "jbouncer_query_seconds_count", db));
        assertEquals(xacts,
                value(samples, "jbouncer_transaction_seconds_bucket", Map.of("database", DB, "le", "+Inf")));
        assertTrue(value(samples, "jbouncer_client_wait_seconds_count", db) >= 1);
        assertTrue(value(samples, "jvm_memory_used_bytes", Map.of("area", "heap", "id", "G1 Eden Space")) >= 0);
    }

    @Test
    void preparedStatementCacheHitsAndEvictionsAreCounted() {
        Map<String, String> db = Map.of("database", DB);
        double hits = counter("jbouncer_prepared_statement_cache_hits_total", db);
        double evictions = counter("jbouncer_prepared_statement_cache_evictions_total", db);

        // One statement, used 50 times per client: prepared once per server, then found there.
        pgbench("-M", "prepared", "-S", "-c", "2", "-t", "50");
        double afterSelects = counter("jbouncer_prepared_statement_cache_hits_total", db);
        assertTrue(afterSelects - hits >= 90, () -> "hits went from " + hits + " to " + afterSelects);
        // Seven statements in turn through a cache of two.
        pgbench("-M", "prepared", "-c", "1", "-t", "5");
        double afterTpcb = counter("jbouncer_prepared_statement_cache_evictions_total", db);
        assertTrue(afterTpcb - evictions >= 20, () -> "evictions went from " + evictions + " to " + afterTpcb);
    }

    @Test
    void everySeriesTheExporterWritesIsServedWithTheSameLabels() throws SQLException {
        PgbouncerExporterScrape.Result exporter;
        try (Connection admin = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            exporter = PgbouncerExporterScrape.scrape(admin);
        }
        List<Sample> samples = MetricsScrape.scrape(metricsPort);
        assertEquals(List.of(), exporter.errors());
        for (PgbouncerExporterScrape.Metric metric : exporter.metrics()) {
            String name = "pgbouncer_" + metric.name();
            assertTrue(samples.stream().anyMatch(s -> s.name().equals(name) && s.labels().equals(metric.labels())),
                    () -> "no " + name + metric.labels() + " in the scrape");
        }
        assertEquals(1.0, value(samples, "pgbouncer_up", Map.of()));
        assertEquals(100.0, value(samples, "pgbouncer_config_max_client_connections", Map.of()));
        assertEquals(20.0, value(samples, "pgbouncer_databases_pool_size", Map.of("name", ODD_DB)),
                "the odd name survives escaping and parsing");
        assertTrue(MetricsScrape.get(metricsPort, "/metrics", null).body().contains("name=\"odd\\\"name\\\\db\""));
    }

    /** docker/grafana/jbouncer.json must not chart a series that jbouncer does not write. */
    @Test
    void everyMetricTheGrafanaDashboardQueriesIsScraped() throws IOException, SQLException {
        try (Connection client = role.connect(config.port(), DB); Statement st = client.createStatement()) {
            st.execute("SELECT 1");
        }
        Set<String> scraped = new HashSet<>();
        MetricsScrape.scrape(metricsPort).forEach(sample -> scraped.add(sample.name()));
        String dashboard = Files.readString(Path.of("..", "docker", "grafana", "jbouncer.json"));
        Set<String> queried = new TreeSet<>();
        Matcher query = Pattern.compile("\"(?:expr|definition)\": \"([^\"]*)\"").matcher(dashboard);
        while (query.find()) {
            Matcher metric = Pattern.compile("\\b(?:pgbouncer|jbouncer|jvm|process|system)_[a-z0-9_]+")
                    .matcher(query.group(1));
            while (metric.find()) {
                queried.add(metric.group());
            }
        }
        assertTrue(queried.size() > 20, queried::toString);
        queried.removeAll(scraped);
        assertEquals(Set.of(), queried, "queried by the dashboard but not in the scrape");
    }

    @Test
    void openMetricsWhenTheAcceptHeaderAsksForIt() {
        MetricsScrape.Response open = MetricsScrape.get(metricsPort, "/metrics",
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertEquals(200, open.status());
        assertTrue(open.contentType().startsWith("application/openmetrics-text"), open.contentType());
        assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        MetricsScrape.Response text = MetricsScrape.get(metricsPort, "/metrics", null);
        assertTrue(text.contentType().startsWith("text/plain; version=0.0.4"), text.contentType());
        assertEquals(404, MetricsScrape.get(metricsPort, "/other", null).status());
    }

    @Test
    void healthFollowsPauseAndResume() throws SQLException {
        assertEquals(new MetricsScrape.Response(200, "text/plain; charset=utf-8", "ok\n"),
                MetricsScrape.get(metricsPort, "/health", null));
        try (Connection admin = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            AdminConsole.command(admin, "PAUSE");
            try {
                MetricsScrape.Response paused = MetricsScrape.get(metricsPort, "/health", null);
                assertEquals(503, paused.status());
                assertEquals("paused\n", paused.body());
            } finally {
                AdminConsole.command(admin, "RESUME");
            }
        }
        assertEquals(200, MetricsScrape.get(metricsPort, "/health", null).status());
    }

    @Test
    void refusedLoginsAndReloadsAreCounted() throws SQLException {
        double wrongPasswords = counter("jbouncer_login_failures_total", Map.of("reason", "authentication"));
        double unknownDbs = counter("jbouncer_login_failures_total", Map.of("reason", "no_such_database"));
        double reloads = counter("jbouncer_reloads_total", Map.of("result", "success"));

        assertThrows(SQLException.class, () -> new TestRole(role.name(), "wrong").connect(config.port(), DB).close());
        assertThrows(SQLException.class, () -> role.connect(config.port(), "no_such_db").close());
        try (Connection admin = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            AdminConsole.command(admin, "RELOAD");
        }

        List<Sample> samples = MetricsScrape.scrape(metricsPort);
        assertEquals(wrongPasswords + 1,
                value(samples, "jbouncer_login_failures_total", Map.of("reason", "authentication")));
        assertEquals(unknownDbs + 1,
                value(samples, "jbouncer_login_failures_total", Map.of("reason", "no_such_database")));
        assertEquals(reloads + 1, value(samples, "jbouncer_reloads_total", Map.of("result", "success")));
        assertEquals(1.0, value(samples, "jbouncer_reload_last_success", Map.of()));
        assertTrue(value(samples, "jbouncer_reload_last_timestamp_seconds", Map.of())
                > System.currentTimeMillis() / 1000.0 - 60);
    }

    /**
     * More HTTP clients than the endpoint admits, half of them stalled inside a request line and half sending
     * garbage: queries through the pooler keep running meanwhile, garbage is answered 400 or dropped, and the
     * endpoint serves again once they are gone.
     */
    @Test
    void slowAndGarbageHttpClientsDoNotDisturbPooling() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), metricsPort);
                sockets.add(socket);
                OutputStream out = socket.getOutputStream();
                String stalledOrGarbage = i % 2 == 0 ? "GET /metr" : "\u0000\u0001garbage \r\n\r\n";
                out.write(stalledOrGarbage.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            try (Connection client = role.connect(config.port(), DB); Statement st = client.createStatement()) {
                for (int i = 0; i < 100; i++) {
                    long started = System.nanoTime();
                    try (ResultSet rs = st.executeQuery("SELECT " + i)) {
                        assertTrue(rs.next());
                        assertEquals(i, rs.getInt(1));
                    }
                    assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos(),
                            "a query waited on the HTTP clients");
                }
            }
            Socket garbage = sockets.get(1);
            garbage.setSoTimeout(5000);
            String answer = readAll(garbage.getInputStream());
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 400"), answer);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        assertTrue(Poll.until(Duration.ofSeconds(15), () -> {
            try {
                return MetricsScrape.get(metricsPort, "/metrics", null).status() == 200;
            } catch (RuntimeException refusedWhileFull) {
                return false;
            }
        }), "the endpoint serves again");
        String longHeader = "GET /metrics HTTP/1.1\r\nX-Long: " + "x".repeat(20_000) + "\r\n\r\n";
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), metricsPort)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(longHeader.getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 4"), answer);
        }
    }

    /** SIGTERM with a client still connected: jbouncer waits for it, and {@code /health} says why it is not ready. */
    @Test
    void healthIsUnavailableWhileShuttingDown() throws SQLException {
        int port = FreePort.find();
        JBouncerConfig own = JBouncerConfig.create()
                .set("metrics_port", Integer.toString(port))
                .set("metrics_addr", "*")
                .database(DB, pg.connstring(DB))
                .user(role.name(), role.password());
        try (StartedBouncers bouncers = new StartedBouncers()) {
            JBouncerProcess process = bouncers.start(own);
            process.awaitSignalHandlers();
            try (Connection client = role.connect(own.port(), DB); Statement st = client.createStatement()) {
                st.execute("SELECT 1");
                assertEquals(200, MetricsScrape.get(port, "/health", null).status());
                process.signal("TERM");
                assertTrue(Poll.until(Duration.ofSeconds(10),
                        () -> MetricsScrape.get(port, "/health", null).status() == 503));
                assertEquals("shutting down\n", MetricsScrape.get(port, "/health", null).body());
            }
            assertTrue(process.awaitExit(Duration.ofSeconds(15)).isPresent(), process::log);
        }
    }

    private static void pgbench(String... args) {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("-n", "-h", "127.0.0.1", "-p", Integer.toString(config.port()), "-U", role.name(), DB));
        Pgbench.Result run = Pgbench.of(pg).run(role.password(), command.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run::output);
    }

    private static double counter(String name, Map<String, String> labels) {
        return value(MetricsScrape.scrape(metricsPort), name, labels);
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return MetricsScrape.value(samples, name, labels)
                .orElseThrow(() -> new AssertionError("no " + name + labels + " in the scrape"));
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException reset) {
            return "";
        }
    }
}
