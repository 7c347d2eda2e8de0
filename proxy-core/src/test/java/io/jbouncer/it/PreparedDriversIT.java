package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BackendSampler;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.DriverScripts;
import io.jbouncer.it.support.Exec;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two more real drivers preparing every statement server-side through transaction pooling on a pool much smaller
 * than their connection count (issue 7): psycopg 3 with {@code prepare_threshold=0} (Debian
 * {@code python3-psycopg}) and node-postgres named queries ({@code npm install pg}). Each driver runs a script from
 * {@code src/test/resources/drivers/} ({@link DriverScripts}) that checks every result itself and prints
 * {@code ok <transactions>}.
 */
class PreparedDriversIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "prepdrivers";
    private static final int POOL_SIZE = 3;
    private static final int CLIENTS = 20;
    private static final int TRANSACTIONS = 50;
    private static final String[] SCRIPT_ARGS = {Integer.toString(CLIENTS), Integer.toString(TRANSACTIONS)};

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static DriverScripts drivers;

    @BeforeAll
    static void startBouncer() throws Exception {
        role = TestRole.create(pg, "prepdrv_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "100")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
        BOUNCERS.start(config);
        drivers = DriverScripts.against(config.port(), role, DB);
    }

    @Test
    void psycopgWithPrepareThresholdZeroRunsCleanOnASmallPool() throws Exception {
        assertDriverRunsClean(() -> drivers.psycopg("psycopg_prepared.py", SCRIPT_ARGS));
    }

    @Test
    void nodePostgresNamedQueriesRunCleanOnASmallPool() throws Exception {
        assertDriverRunsClean(() -> drivers.nodePg("node_pg_named.js", SCRIPT_ARGS));
    }

    /** Runs a driver script against the bouncer and checks its verdict, and that the pool stayed within its size. */
    private static void assertDriverRunsClean(Supplier<Exec.Result> driver) throws Exception {
        Exec.Result outcome;
        int peak;
        try (BackendSampler sampler = BackendSampler.start(pg, role.name())) {
            outcome = driver.get();
            peak = sampler.peak();
        }
        assertEquals(0, outcome.exitCode(), outcome::output);
        assertEquals("ok " + CLIENTS * TRANSACTIONS, outcome.output().strip(), outcome::output);
        assertTrue(peak >= 1 && peak <= POOL_SIZE, "PostgreSQL saw " + peak + " backends");
    }
}
