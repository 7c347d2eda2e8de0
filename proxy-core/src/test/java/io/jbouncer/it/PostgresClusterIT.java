package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Proves the test harness itself: the private cluster really authenticates each test role with the method its
 * name promises, stores the secrets the auth tests rely on, and survives a restart on the same port.
 */
class PostgresClusterIT {

    private static final PostgresCluster pg = PostgresCluster.shared();

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
        "trust_user, NULL",
        "md5_user, md5_pass",
        "scram_user, scram_pass",
    })
    void roleLogsInWithItsPasswordAndMayUseTableT(String user, String password) throws SQLException {
        try (Connection c = connect(PostgresCluster.DB, user, password); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("INSERT INTO t (id, v) VALUES (1, 'x')");
            try (ResultSet rs = st.executeQuery("SELECT current_user, v FROM t WHERE id = 1")) {
                assertTrue(rs.next());
                assertEquals(user, rs.getString(1));
                assertEquals("x", rs.getString(2));
            }
            c.rollback();
        }
    }

    @ParameterizedTest
    @CsvSource({"md5_user", "scram_user"})
    void wrongPasswordIsRejectedWith28P01(String user) {
        SQLException e = assertThrows(SQLException.class, () -> connect(PostgresCluster.DB2, user, "wrong"));
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void md5UserSecretIsStoredAsMd5() throws SQLException {
        assertEquals(PostgresCluster.md5Secret(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS),
                pg.scramSecretOf(PostgresCluster.MD5_USER));
    }

    @Test
    void scramUserSecretIsStoredAsScram() throws SQLException {
        String secret = pg.scramSecretOf(PostgresCluster.SCRAM_USER);
        assertTrue(secret.startsWith("SCRAM-SHA-256$4096:"), secret);
    }

    @Test
    void md5SecretMatchesPostgresFormula() {
        // echo -n 'secretuser' | md5sum
        assertEquals("md5" + "20eb1b22a92b5c573dc1eb4331fc49ee", PostgresCluster.md5Secret("user", "secret"));
    }

    @Test
    void backendCountSeesAnOpenConnection() throws SQLException {
        int before = pg.backendCount(PostgresCluster.TRUST_USER);
        try (Connection open = connect(PostgresCluster.DB, PostgresCluster.TRUST_USER, null)) {
            assertTrue(open.isValid(5));
            assertEquals(before + 1, pg.backendCount(PostgresCluster.TRUST_USER));
        }
    }

    @Test
    void unixSocketExists() {
        assertTrue(Files.exists(pg.socketDir().resolve(".s.PGSQL." + pg.port())));
    }

    @Test
    void restartKeepsThePortAndDropsConnections() throws SQLException {
        try (Connection before = pg.superuserJdbc(PostgresCluster.DB)) {
            pg.restart();
            SQLException dropped = assertThrows(SQLException.class,
                    () -> before.createStatement().executeQuery("SELECT 1"));
            assertTrue(dropped.getSQLState().startsWith("08") || dropped.getSQLState().startsWith("57"),
                    dropped.getSQLState());
        }
        try (Connection after = pg.superuserJdbc(PostgresCluster.DB); Statement st = after.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }

    private static Connection connect(String db, String user, String password) throws SQLException {
        return Jdbc.connect(pg.host(), pg.port(), db, user, password);
    }
}
