package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BackendSampler;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Pgbench;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * pgbench's TPC-B-like script through jbouncer in transaction mode: 100 clients on {@code pool_size=10} for five
 * seconds, in the simple and the extended query protocol, must finish without a failed transaction or an aborted
 * client. The tables are created by {@code pgbench -i} directly on PostgreSQL.
 */
class PgbenchIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "bench";
    private static final int POOL_SIZE = 10;
    private static final String CLIENTS = "100";
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void initialiseAndStartBouncer() throws SQLException {
        role = TestRole.create(pg, "bench_user");
        Pgbench.of(pg).createDatabase(role, DB);
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "200")
                .database(DB, pg.connstring(DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @ParameterizedTest(name = "-M {0}")
    @ValueSource(strings = {"simple", "extended"})
    void hundredClientsRunWithoutFailedTransactions(String protocol) throws InterruptedException {
        Pgbench.Result result;
        int peak;
        try (BackendSampler sampler = BackendSampler.start(pg, role.name())) {
            result = Pgbench.of(pg).run(role.password(), "-n", "-M", protocol, "-c", CLIENTS, "-j", "2",
                    "-T", "5", "-h", "127.0.0.1", "-p", Integer.toString(config.port()), "-U", role.name(), DB);
            peak = sampler.peak();
        }

        assertEquals(0, result.exitCode(), result::output);
        assertTrue(result.output().contains("number of failed transactions: 0 (0.000%)"), result::output);
        assertFalse(result.output().contains("aborted"), result::output);
        Matcher processed = PROCESSED.matcher(result.output());
        assertTrue(processed.find() && Long.parseLong(processed.group(1)) > 0, result::output);
        assertTrue(peak >= 1 && peak <= POOL_SIZE, "PostgreSQL saw " + peak + " backends (pool_size="
                + POOL_SIZE + ")");
    }
}
