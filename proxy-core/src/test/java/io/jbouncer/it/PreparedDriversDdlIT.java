package io.jbouncer.it;

import static io.jbouncer.it.support.WireMessages.bind;
import static io.jbouncer.it.support.WireMessages.close;
import static io.jbouncer.it.support.WireMessages.concat;
import static io.jbouncer.it.support.WireMessages.execute;
import static io.jbouncer.it.support.WireMessages.parse;
import static io.jbouncer.it.support.WireMessages.replies;
import static io.jbouncer.it.support.WireMessages.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.WireMessages;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DDL that changes the result type of a prepared statement (issue 7): the client gets PostgreSQL's
 * {@code cached plan must not change result type} (SQLSTATE 0A000), and a fresh Parse of the same name after a
 * Close works, whether or not another client still holds the same statement text; pgjdbc's automatic re-prepare
 * works too. One server connection ({@code pool_size=1}) so that every client lands on the server that has the
 * stale plan.
 */
class PreparedDriversDdlIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "prepddl";
    private static final String CACHED_PLAN = "cached plan must not change result type";

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            for (String table : new String[] {"t_ddl_alone", "t_ddl_shared", "t_ddl_jdbc"}) {
                st.execute("CREATE TABLE " + table + " (id int)");
                st.execute("INSERT INTO " + table + " VALUES (7)");
                st.execute("GRANT SELECT ON " + table + " TO PUBLIC");
            }
        }
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("auth_type", "trust")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(PostgresCluster.TRUST_USER, "unused");
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void reparseAfterCloseWorksWhenTheClientAloneHeldTheStatement() throws SQLException {
        try (RawConnection raw = rawLogin()) {
            raw.send(concat(parse("s", "SELECT * FROM t_ddl_alone"), bind("s"), execute(), sync()));
            assertEquals("1 2 D:7 C Z", replies(raw));
            addColumn("t_ddl_alone");

            raw.send(concat(bind("s"), execute(), sync()));
            assertCachedPlanError(raw);
            raw.send(concat(close("s"), parse("s", "SELECT * FROM t_ddl_alone"), bind("s"), execute(), sync()));
            assertEquals("3 1 2 D:7 C Z", replies(raw));
        }
    }

    @Test
    void reparseAfterCloseWorksWhileAnotherClientHoldsTheSameText() throws SQLException {
        String sql = "SELECT * FROM t_ddl_shared";
        try (RawConnection first = rawLogin(); RawConnection second = rawLogin()) {
            first.send(concat(parse("a", sql), bind("a"), execute(), sync()));
            assertEquals("1 2 D:7 C Z", replies(first));
            second.send(concat(parse("b", sql), bind("b"), execute(), sync()));
            assertEquals("1 2 D:7 C Z", replies(second));
            addColumn("t_ddl_shared");

            first.send(concat(bind("a"), execute(), sync()));
            assertCachedPlanError(first);
            first.send(concat(close("a"), parse("a", sql), bind("a"), execute(), sync()));
            assertEquals("3 1 2 D:7 C Z", replies(first), "a fresh Parse of the name after Close");
        }
    }

    @Test
    void pgjdbcReprepares() throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "1");
        try (Connection c = Jdbc.connect("127.0.0.1", config.port(), DB, PostgresCluster.TRUST_USER, "unused", props);
             PreparedStatement select = c.prepareStatement("SELECT * FROM t_ddl_jdbc")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(1, columns(select));
            }
            addColumn("t_ddl_jdbc");

            assertEquals(2, columns(select), "pgjdbc re-prepares after " + CACHED_PLAN + " in autocommit mode");
            assertEquals(2, columns(select));
        }
    }

    private static int columns(PreparedStatement select) throws SQLException {
        try (ResultSet rs = select.executeQuery()) {
            assertTrue(rs.next());
            assertEquals(7, rs.getInt(1));
            return rs.getMetaData().getColumnCount();
        }
    }

    /** Another session changes the table's row type: every plan of {@code SELECT *} on it is now stale. */
    private static void addColumn(String table) throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + table + " ADD COLUMN x int");
        }
    }

    private static void assertCachedPlanError(RawConnection raw) {
        RawConnection.Message error = raw.readMessage();
        assertEquals('E', error.tag(), () -> "expected an ErrorResponse, got " + error.tag());
        assertEquals("0A000", error.fields().get('C'));
        assertEquals(CACHED_PLAN, error.fields().get('M'));
        assertEquals("ERROR", error.fields().get('S'));
        assertEquals("Z", replies(raw), "PostgreSQL skips to Sync");
    }

    private static RawConnection rawLogin() {
        return WireMessages.login(config.port(), PostgresCluster.TRUST_USER, DB);
    }
}
