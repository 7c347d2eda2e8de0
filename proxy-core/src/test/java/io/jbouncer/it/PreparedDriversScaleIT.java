package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BackendSampler;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.PreparedReads;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 7 at scale: 200 pgjdbc connections with {@code prepareThreshold=1} (every statement named server-side from
 * its first execution) share a pool of 10 server connections in transaction mode, each running transactions of
 * mixed statements (shared reads, a per-client statement, an update), with zero errors.
 */
class PreparedDriversScaleIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "prepscale";
    private static final int POOL_SIZE = 10;
    private static final int THREADS = 200;
    private static final int TRANSACTIONS = 20;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws SQLException {
        role = TestRole.create(pg, "prepscale_user");
        role.createCounters(pg, "prepscale_counters", THREADS);
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "300")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void twoHundredPgjdbcClientsWithPrepareThresholdOneShareTenServers() throws Exception {
        List<Integer> done;
        int peak;
        try (BackendSampler sampler = BackendSampler.start(pg, role.name())) {
            done = ConcurrentClients.run(THREADS, Duration.ofSeconds(60), PreparedDriversScaleIT::runClient);
            peak = sampler.peak();
        }

        assertTrue(done.stream().allMatch(n -> n == TRANSACTIONS), done::toString);
        assertTrue(peak >= 1 && peak <= POOL_SIZE, "PostgreSQL saw " + peak + " backends");
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM prepscale_counters WHERE n = " + TRANSACTIONS)) {
            assertTrue(rs.next());
            assertEquals(THREADS, rs.getInt(1), "every client's increments committed");
        }
    }

    /** One client: per transaction three reads (two shared texts, one of its own) and an update, all checked. */
    private static int runClient(int client) throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "1");
        try (Connection c = role.connect(config.port(), DB, props);
             PreparedReads reads = PreparedReads.prepare(c, client);
             PreparedStatement bump = c.prepareStatement("UPDATE prepscale_counters SET n = n + 1 WHERE id = ?")) {
            c.setAutoCommit(false);
            for (int round = 0; round < TRANSACTIONS; round++) {
                reads.check(round);
                bump.setInt(1, client);
                assertEquals(1, bump.executeUpdate());
                c.commit();
            }
            return TRANSACTIONS;
        }
    }
}
