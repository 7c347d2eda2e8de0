package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Failover-aware host lists (issue 19, part 3): {@code target_session_attrs} on a {@code [databases]} entry whose
 * hosts are a primary (the shared cluster, 127.0.0.1) and its streaming standby (127.0.0.2, same port). A
 * read-write pool never settles on the standby; a standby pool does; after the standby is promoted and the old
 * primary stops, a write workload carries on against the new primary without a restart of jbouncer.
 */
class TargetSessionAttrsIT {

    private static final String STANDBY_ADDRESS = "127.0.0.2";
    private static final Duration SWITCH_WITHIN = Duration.ofSeconds(30);

    @Test
    void poolsSettleOnTheServersTheirSessionAttrsAsk() throws SQLException {
        PostgresCluster pg = PostgresCluster.shared();
        TestRole role = TestRole.create(pg, "attrs_user");
        try (PostgresCluster.Standby standby = pg.startStandby(STANDBY_ADDRESS)) {
            JBouncerConfig config = config(pg, role)
                    .database("rw", entry(pg, STANDBY_ADDRESS + ",127.0.0.1", "read-write"))
                    .database("ro", entry(pg, "127.0.0.1," + STANDBY_ADDRESS, "standby"));
            try (JBouncerProcess bouncer = JBouncerProcess.start(config.write(), config.port())) {
                assertEquals("f", inRecovery(role, config, "rw"), "the read-write pool skipped the standby");
                assertEquals("t", inRecovery(role, config, "ro"), "the standby pool skipped the primary");
                assertTrue(bouncer.log().contains("does not fit target_session_attrs = read-write"), bouncer::log);
                assertFalse(bouncer.log().contains("LEAK:"), bouncer::log);
            }
        }
    }

    /**
     * Promote the standby and stop the old primary while a writer runs: its writes resume against the new primary
     * (clients wait meanwhile, hold_on_server_restart), with no more failures than the transaction in flight.
     */
    @Test
    void writesMoveToThePromotedStandbyWhenThePrimaryStops() throws Exception {
        PostgresCluster pg = PostgresCluster.shared();
        TestRole role = TestRole.create(pg, "attrs_writer");
        try (Connection admin = pg.superuserJdbc(PostgresCluster.DB); Statement st = admin.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS attrs_writes (n int)");
            st.execute("GRANT ALL ON attrs_writes TO " + role.name());
        }
        try (PostgresCluster.Standby standby = pg.startStandby(STANDBY_ADDRESS)) {
            JBouncerConfig config = config(pg, role)
                    .set("pool_mode", "transaction")
                    .set("hold_on_server_restart", "1")
                    .database("rw", entry(pg, "127.0.0.1," + STANDBY_ADDRESS, "read-write"));
            AtomicInteger written = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            try (JBouncerProcess bouncer = JBouncerProcess.start(config.write(), config.port())) {
                Thread load = new Thread(() -> write(role, config, written, failed, stop), "attrs-writer");
                load.start();
                try {
                    assertTrue(Poll.until(SWITCH_WITHIN, () -> written.get() >= 50), "the writer did not start");
                    standby.promote();
                    pg.stopForAWhile();
                    int atStop = written.get();

                    assertTrue(Poll.until(SWITCH_WITHIN, () -> written.get() >= atStop + 50),
                            "writes did not resume on the promoted standby; log:\n" + bouncer.log());
                    assertEquals("f", inRecovery(role, config, "rw"));
                    assertTrue(failed.get() <= 1, failed.get() + " writes failed: more than the one in flight");
                } finally {
                    stop.set(true);
                    load.join(30_000);
                    pg.startAgain();
                }
            }
        }
    }

    private static JBouncerConfig config(PostgresCluster pg, TestRole role) {
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
