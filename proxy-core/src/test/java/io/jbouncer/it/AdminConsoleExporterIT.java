package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PgbouncerExporterScrape;
import io.jbouncer.it.support.PgbouncerExporterScrape.Metric;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Prometheus exporter scraping jbouncer. Debian's {@code prometheus-pgbouncer-exporter} (1.7) predates PgBouncer
 * 1.23's renamed columns and fails against a real PgBouncer 1.25, so the test scrapes the way the current
 * prometheus-community/pgbouncer_exporter does ({@link PgbouncerExporterScrape}): as a {@code stats_users} member,
 * over the simple query protocol, every column by name.
 */
class AdminConsoleExporterIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String EXPORTER = "exporter";
    private static final String EXPORTER_PASS = "exporter_pass";
    private static final String DB = "app";
    /** Columns the exporter still reads that PgBouncer itself renamed or dropped before 1.25. */
    private static final Set<String> GONE_IN_PGBOUNCER = Set.of("reserve_pool", "requests");

    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static TestRole role;

    @BeforeAll
    static void start() throws SQLException {
        role = TestRole.create(pg, "ace_user");
        config = JBouncerConfig.create()
                .set("stats_users", EXPORTER)
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB))
                .user(EXPORTER, EXPORTER_PASS)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void scrapeFindsEveryColumnAsANumberAndExportsMetrics() throws SQLException {
        PgbouncerExporterScrape.Result result;
        try (Connection client = role.connect(config.port(), DB); Statement st = client.createStatement()) {
            for (int i = 0; i < 10; i++) {
                st.execute("SELECT " + i);
            }
            try (Connection console = AdminConsole.connect(config.port(), EXPORTER, EXPORTER_PASS)) {
                result = PgbouncerExporterScrape.scrape(console);
            }
        }

        assertEquals(List.of(), result.errors(), "problems the exporter would log");
        PgbouncerExporterScrape.METRICS.forEach((show, columns) -> {
            Set<String> missing = new HashSet<>(columns.keySet());
            missing.removeAll(GONE_IN_PGBOUNCER);
            missing.removeAll(result.columns().get(show));
            assertEquals(Set.of(), missing, () -> "SHOW " + show + " lacks columns the exporter reads");
        });
        List<Metric> metrics = result.metrics();
        assertTrue(metrics.contains(new Metric("version_info", Map.of("version", "PgBouncer 1.25.2"), 1.0)),
                metrics::toString);
        assertEquals(100.0, value(metrics, "config_max_client_connections"));
        assertTrue(value(metrics, "used_clients") >= 2, "the client and the exporter are used clients");
        Metric xacts = metrics.stream()
                .filter(m -> m.name().equals("stats_totals_sql_transactions_pooled_total"))
                .filter(m -> DB.equals(m.labels().get("database")))
                .findFirst().orElseThrow(() -> new AssertionError("no transactions metric for " + DB));
        assertTrue(xacts.value() >= 10, xacts::toString);
        assertTrue(metrics.stream().anyMatch(m -> m.name().equals("pools_client_active_connections")
                && DB.equals(m.labels().get("database")) && role.name().equals(m.labels().get("user"))
                && m.value() == 1.0), "the connected client is an active pool client");
        assertTrue(metrics.stream().anyMatch(m -> m.name().equals("databases_current_connections")
                && DB.equals(m.labels().get("name"))), "per-database connections");
    }

    private static double value(List<Metric> metrics, String name) {
        return metrics.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name + " in " + metrics)).value();
    }
}
