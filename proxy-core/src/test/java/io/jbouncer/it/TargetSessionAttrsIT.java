package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failover-aware host lists (issue 19, part 3): {@code target_session_attrs} on a {@code [databases]} entry whose
 * hosts are a primary (the shared cluster, 127.0.0.1) and its streaming standby (127.0.0.2, same port). A
 * read-write pool never settles on the standby; a standby pool does; after the standby is promoted and the old
 * primary stops, a write workload carries on against the new primary without a restart of jbouncer.
 */
class TargetSessionAttrsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String STANDBY_ADDRESS = "127.0.0.2";
    private static final Duration SWITCH_WITHIN = Duration.ofSeconds(30);

    @Test
    void poolsSettleOnTheServersTheirSessionAttrsAsk() throws SQLException {
        TestRole role = TestRole.create(pg, "attrs_user");
        try (PostgresCluster.Standby standby = pg.startStandby(STANDBY_ADDRESS)) {
            JBouncerConfig config = config(role)
                    .database("rw", entry(pg, STANDBY_ADDRESS + ",127.0.0.1", "read-write"))
                    .database("ro", entry(pg, "127.0.0.1," + STANDBY_ADDRESS, "standby"))
                    .database("ps", entry(pg, "127.0.0.1," + STANDBY_ADDRESS, "prefer-standby"))
                    .database("ps_primary_only", entry(pg, "127.0.0.1", "prefer-standby"));
            try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
                assertEquals("f", inRecovery(role, config, "rw"), "the read-write pool skipped the standby");
                assertEquals("t", inRecovery(role, config, "ro"), "the standby pool skipped the primary");
                assertEquals("t", inRecovery(role, config, "ps"), "prefer-standby tried the standby first");
                assertEquals("f", inRecovery(role, config, "ps_primary_only"),
                        "prefer-standby without a standby takes the primary on its second pass");
                assertTrue(bouncer.log().contains("does not fit target_session_attrs = read-write"), bouncer::log);
            }
        }
    }

    /**
     * Promote the standby and stop the old primary while a writer runs: its writes resume against the new primary
     * (clients wait meanwhile, hold_on_server_restart), with no more failures than the transaction in flight.
     */
    @Test
    void writesMoveToThePromotedStandbyWhenThePrimaryStops() throws Exception {
        failOverUnderWrites("attrs_writer", Map.of(), "primary stopped", pg::stopForAWhile, pg::startAgain,
                bouncer -> { });
    }

    /**
     * The old primary stays up but is fenced read-only by a reload ({@code default_transaction_read_only = on}) after
     * the standby is promoted: no server connection breaks, so only the role re-check before reuse (with {@code
     * server_check_delay = 0}, before every hand-out) moves the read-write pool to the new primary. Without it every
     * later write would fail with "cannot execute INSERT in a read-only transaction". A write whose server read the
     * reload between the check and the INSERT fails, as it would with libpq; every later one goes to the new primary.
     */
    @Test
    void aFencedPrimaryIsLeftForThePromotedStandbyWithoutFailedWrites() throws Exception {
        failOverUnderWrites("attrs_fenced", Map.of("server_check_delay", "0"), "primary fenced read-only",
                () -> setPrimaryReadOnly(pg, true), () -> setPrimaryReadOnly(pg, false),
                bouncer -> assertTrue(bouncer.log().contains("no longer fits target_session_attrs = read-write"),
                        bouncer::log));
    }

    /** A step of a failover that may fail with an exception (a stop, a reload). */
    private interface Step {
        void run() throws Exception;
    }

    /**
     * A writer runs through the read-write pool {@code rw} (primary first, {@code hold_on_server_restart}, and
     * {@code settings}) while the standby is promoted and the old primary {@code leaves}: its writes must resume on
     * the promoted standby, with at most one failure (the write in flight), and {@code alsoAssert} holds of the
     * jbouncer. The primary {@code comesBack} for the next test.
     */
    private static void failOverUnderWrites(String roleName, Map<String, String> settings, String event, Step leaves,
            Step comesBack, Consumer<JBouncerProcess> alsoAssert) throws Exception {
        TestRole role = TestRole.create(pg, roleName);
        try (Connection admin = pg.superuserJdbc(PostgresCluster.DB); Statement st = admin.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS attrs_writes (n int)");
            st.execute("GRANT ALL ON attrs_writes TO " + role.name());
        }
        try (PostgresCluster.Standby standby = pg.startStandby(STANDBY_ADDRESS)) {
            JBouncerConfig config = config(role)
                    .set("pool_mode", "transaction")
                    .set("hold_on_server_restart", "1")
                    .database("rw", entry(pg, "127.0.0.1," + STANDBY_ADDRESS, "read-write"));
            settings.forEach(config::set);
            AtomicInteger written = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
                Thread load = new Thread(() -> write(role, config, written, failed, stop), "attrs-writer-" + roleName);
                load.start();
                try {
                    assertTrue(Poll.until(SWITCH_WITHIN, () -> written.get() >= 50), "the writer did not start");
                    standby.promote();
                    long leftAt = System.nanoTime();
                    leaves.run();
                    int atExit = written.get();

                    assertTrue(Poll.until(SWITCH_WITHIN, () -> written.get() > atExit),
                            "writes did not move to the promoted standby; log:\n" + bouncer.log());
                    report(event, leftAt);
                    assertTrue(Poll.until(SWITCH_WITHIN, () -> written.get() >= atExit + 50),
                            "writes did not carry on on the promoted standby; log:\n" + bouncer.log());
                    assertEquals("f", inRecovery(role, config, "rw"));
                    alsoAssert.accept(bouncer);
                    assertTrue(failed.get() <= 1, failed.get() + " writes failed: more than the one in flight");
                } finally {
                    stop.set(true);
                    load.join(30_000);
                    comesBack.run();
                }
            }
        }
    }

    /** Fences (or unfences) the shared cluster the way a failover tool does: read-only by default, by a reload. */
    private static void setPrimaryReadOnly(PostgresCluster pg, boolean readOnly) throws SQLException {
        try (Connection admin = pg.superuserJdbc("postgres"); Statement st = admin.createStatement()) {
            st.execute(readOnly ? "ALTER SYSTEM SET default_transaction_read_only = on"
                    : "ALTER SYSTEM RESET default_transaction_read_only");
            st.execute("SELECT pg_reload_conf()");
        }
    }

    private static void report(String event, long sinceNanos) {
        System.out.printf("TargetSessionAttrsIT: writes resumed %d ms after the %s%n",
                Duration.ofNanos(System.nanoTime() - sinceNanos).toMillis(), event);
    }

    private static JBouncerConfig config(TestRole role) {
        return JBouncerConfig.create()
                .set("ignore_startup_parameters", "extra_float_digits")
                .set("server_login_retry", "1")
                .user(role.name(), role.password());
    }

    private static String entry(PostgresCluster pg, String hosts, String attrs) {
        return "host=" + hosts + " port=" + pg.port() + " dbname=" + PostgresCluster.DB
                + " load_balance_hosts=disable target_session_attrs=" + attrs;
    }

    private static String inRecovery(TestRole role, JBouncerConfig config, String db) throws SQLException {
        try (Connection c = role.connect(config.port(), db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    /** Inserts until {@code stop}; a failed insert (its connection may be gone) is counted and a new one opened. */
    private static void write(TestRole role, JBouncerConfig config, AtomicInteger written, AtomicInteger failed,
            AtomicBoolean stop) {
        while (!stop.get()) {
            try (Connection writer = role.connect(config.port(), "rw"); Statement st = writer.createStatement()) {
                while (!stop.get()) {
                    st.executeUpdate("INSERT INTO attrs_writes VALUES (1)");
                    written.incrementAndGet();
                }
            } catch (SQLException e) {
                failed.incrementAndGet();
            }
        }
    }
}
