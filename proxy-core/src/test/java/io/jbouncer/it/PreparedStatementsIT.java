package io.jbouncer.it;

import static io.jbouncer.it.support.WireMessages.bind;
import static io.jbouncer.it.support.WireMessages.close;
import static io.jbouncer.it.support.WireMessages.concat;
import static io.jbouncer.it.support.WireMessages.execute;
import static io.jbouncer.it.support.WireMessages.parse;
import static io.jbouncer.it.support.WireMessages.query;
import static io.jbouncer.it.support.WireMessages.replies;
import static io.jbouncer.it.support.WireMessages.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BackendSampler;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Pgbench;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.PreparedReads;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.WireMessages;
import io.jbouncer.it.support.TestRole;
import java.io.ByteArrayOutputStream;
import java.sql.BatchUpdateException;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Protocol-level named prepared statements through transaction pooling ({@code max_prepared_statements}, config.md):
 * real drivers preparing statements on a pool smaller than their number, pipelines with errors, LRU eviction
 * on the server connection, Close and DISCARD ALL, checked at the wire with a raw connection where pgjdbc would hide
 * the names.
 */
class PreparedStatementsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "prep5";
    private static final String BENCH_DB = "prepbench";
    private static final int POOL_SIZE = 5;
    private static final int THREADS = 50;
    private static final int ROUNDS = 40;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    /** pool_size=1, max_prepared_statements=2, trust: one server connection a raw client can talk to. */
    private static JBouncerConfig smallConfig;
    private static JBouncerProcess smallBouncer;

    @BeforeAll
    static void startBouncers() throws SQLException {
        role = TestRole.create(pg, "prep_user");
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE prep_items (id int PRIMARY KEY, owner int NOT NULL)");
            st.execute("ALTER TABLE prep_items OWNER TO " + role.name());
        }
        try (Connection c = pg.superuserJdbc("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + BENCH_DB + " OWNER " + role.name());
        }
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "200")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                .database(BENCH_DB, pg.connstring(BENCH_DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
        smallConfig = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("auth_type", "trust")
                .set("max_prepared_statements", "2")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(PostgresCluster.TRUST_USER, "unused");
        smallBouncer = BOUNCERS.start(smallConfig);
    }

    private static Connection connect(String prepareThreshold) throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", prepareThreshold);
        return role.connect(config.port(), DB, props);
    }

    // ---- real drivers --------------------------------------------------------------------------------------

    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(strings = {"1", "0", "-1"})
    void manyPgjdbcThreadsShareFewServersWithoutErrors(String prepareThreshold) throws Exception {
        int peak;
        List<Integer> done;
        try (BackendSampler sampler = BackendSampler.start(pg, role.name())) {
            done = ConcurrentClients.run(THREADS, Duration.ofSeconds(120),
                    client -> runMixedClient(client, prepareThreshold));
            peak = sampler.peak();
        }
        assertTrue(done.stream().allMatch(n -> n == ROUNDS), done::toString);
        assertTrue(peak >= 1 && peak <= POOL_SIZE, "PostgreSQL saw " + peak + " backends");
    }

    /**
     * One client: per round a transaction of several prepared statements (two shared by every client, one of its
     * own) and an autocommit query, each result checked. Returns the rounds completed.
     */
    private static int runMixedClient(int client, String prepareThreshold) throws SQLException {
        try (Connection c = connect(prepareThreshold); PreparedReads reads = PreparedReads.prepare(c, client)) {
            for (int round = 0; round < ROUNDS; round++) {
                c.setAutoCommit(round % 2 == 1);
                reads.check(round);
                if (!c.getAutoCommit()) {
                    c.commit();
                }
            }
            return ROUNDS;
        }
    }

    private static int singleInt(PreparedStatement query) throws SQLException {
        try (ResultSet rs = query.executeQuery()) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    @Test
    void pgbenchPreparedRunsWithoutFailedTransactions() {
        Pgbench.Result init = Pgbench.of(pg).run(role.password(), "-i", "-s", "1", "-q",
                "-h", pg.host(), "-p", Integer.toString(pg.port()), "-U", role.name(), BENCH_DB);
        assertEquals(0, init.exitCode(), init::output);

        // One thread per client: pgbench prepares with a blocking PQprepare inside its transaction, so a thread
        // serving several clients would wait for a server while its other clients hold every server idle in a
        // transaction (a deadlock of pgbench's own, PgBouncer's users see it too).
        Pgbench.Result result = Pgbench.of(pg).run(role.password(), "-n", "-M", "prepared", "-c", "50", "-j", "50",
                "-T", "5", "-h", "127.0.0.1", "-p", Integer.toString(config.port()), "-U", role.name(), BENCH_DB);

        assertEquals(0, result.exitCode(), result::output);
        assertTrue(result.output().contains("number of failed transactions: 0 (0.000%)"), result::output);
        assertFalse(result.output().contains("aborted"), result::output);
    }

    @Test
    void batchWithFailingStatementLeavesTheConnectionUsable() throws SQLException {
        try (Connection c = connect("1");
             PreparedStatement insert = c.prepareStatement("INSERT INTO prep_items VALUES (?, ?)");
             PreparedStatement count = c.prepareStatement("SELECT count(*) FROM prep_items WHERE owner = ?")) {
            for (int attempt = 0; attempt < 5; attempt++) {
                int owner = 1000 + attempt;
                for (int i = 0; i < 10; i++) {
                    insert.setInt(1, owner * 100 + (i == 5 ? 0 : i)); // the sixth duplicates the first
                    insert.setInt(2, owner);
                    insert.addBatch();
                }
                assertThrows(BatchUpdateException.class, insert::executeBatch);
                count.setInt(1, owner);
                assertEquals(0, singleInt(count), "pgjdbc runs a batch in one transaction: all rolled back");
                for (int i = 0; i < 10; i++) {
                    insert.setInt(1, owner * 100 + i);
                    insert.setInt(2, owner);
                    insert.addBatch();
                }
                assertEquals(10, insert.executeBatch().length);
                assertEquals(10, singleInt(count));
            }
        }
    }

    // ---- at the wire ---------------------------------------------------------------------------------------

    @Test
    void closeThenReuseOfTheNameWithAnotherQuery() {
        try (RawConnection raw = rawLogin()) {
            raw.send(concat(parse("s1", "SELECT 1"), bind("s1"), execute(), sync()));
            assertEquals("1 2 D:1 C Z", replies(raw));
            raw.send(concat(close("s1"), parse("s1", "SELECT 'two'"), bind("s1"), execute(), sync()));
            assertEquals("3 1 2 D:two C Z", replies(raw));
        }
    }

    @Test
    void evictionKeepsTwoStatementsPerServerAndReparsesTransparently() {
        try (RawConnection raw = rawLogin()) {
            for (int round = 0; round < 2; round++) {
                StringBuilder expected = new StringBuilder();
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < 10; i++) {
                    if (round == 0) {
                        batch.writeBytes(parse("e" + i, "SELECT " + i + " AS n"));
                        expected.append("1 ");
                    }
                    batch.writeBytes(concat(bind("e" + i), execute()));
                    expected.append("2 D:").append(i).append(" C ");
                }
                batch.writeBytes(sync());
                raw.send(batch.toByteArray());
                assertEquals(expected + "Z", replies(raw), "round " + round);
            }
            raw.send(concat(parse("", "SELECT count(*) FROM pg_prepared_statements"), bind(""), execute(), sync()));
            assertEquals("1 2 D:2 C Z", replies(raw), "statements prepared on the only server connection");
        }
    }

    @Test
    void errorInThePipelineSkipsToSyncAndForgetsTheFailedParse() {
        try (RawConnection raw = rawLogin()) {
            raw.send(concat(parse("ok", "SELECT 'ok'"), parse("bad", "SELECT * FROM no_such_table"),
                    parse("skipped", "SELECT 'skipped'"), bind("ok"), execute(), sync()));
            assertEquals("1 E Z", replies(raw));
            raw.send(concat(parse("bad", "SELECT 'fixed'"), parse("skipped", "SELECT 'again'"), bind("bad"),
                    execute(), bind("skipped"), execute(), bind("ok"), execute(), sync()));
            assertEquals("1 1 2 D:fixed C 2 D:again C 2 D:ok C Z", replies(raw));
        }
    }

    @Test
    void discardAllForgetsEveryStatementOnBothSides() {
        try (RawConnection raw = rawLogin()) {
            raw.send(concat(parse("d1", "SELECT 'd1'"), bind("d1"), execute(), sync()));
            assertEquals("1 2 D:d1 C Z", replies(raw));
            raw.send(concat(parse("", "DISCARD ALL"), bind(""), execute(), sync()));
            assertEquals("1 2 C Z", replies(raw));
            raw.send(concat(parse("d1", "SELECT 'd1 again'"), bind("d1"), execute(), sync()));
            assertEquals("1 2 D:d1 again C Z", replies(raw));
            raw.send(query("DEALLOCATE ALL"));
            assertEquals("C Z", replies(raw));
            raw.send(concat(bind("d1"), execute(), sync()));
            RawConnection.Message fatal = raw.readMessage();
            assertEquals('E', fatal.tag());
            assertEquals("prepared statement did not exist", fatal.fields().get('M'));
            assertEquals("FATAL", fatal.fields().get('S'));
        }
    }

    @Test
    void duplicateNameIsFatal() {
        try (RawConnection raw = rawLogin()) {
            raw.send(concat(parse("dup", "SELECT 1"), sync()));
            assertEquals("1 Z", replies(raw));
            raw.send(concat(parse("dup", "SELECT 2"), sync()));
            RawConnection.Message fatal = raw.readMessage();
            assertEquals("prepared statement name is already in use", fatal.fields().get('M'));
            assertTrue(raw.closedByPeer());
        }
    }

    private static RawConnection rawLogin() {
        return WireMessages.login(smallConfig.port(), PostgresCluster.TRUST_USER, DB);
    }
}
