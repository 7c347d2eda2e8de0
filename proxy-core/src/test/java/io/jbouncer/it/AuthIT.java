package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The client-authentication matrix with pgjdbc: every {@code auth_type} of issue 3 against every stored secret form
 * (plain, {@code md5...}, {@code SCRAM-SHA-256$...}), wrong passwords, unknown users and unknown databases, plus
 * jbouncer's own login to PostgreSQL with trust, md5 and SCRAM (plain password and pass-through).
 *
 * <p>One jbouncer per {@code auth_type}, started on first use. Userlists per auth type:
 * <ul>
 *   <li>md5: md5_user md5, scram_user SCRAM (client switched to SCRAM, server login by pass-through),
 *       trust_user plain;</li>
 *   <li>scram-sha-256: scram_user SCRAM (pass-through), md5_user md5 (unusable), trust_user plain (ad-hoc);</li>
 *   <li>plain: scram_user plain (server SCRAM with the plain password), md5_user md5, trust_user plain;</li>
 *   <li>trust: trust_user, and md5_user with a password the server rejects;</li>
 *   <li>any: no userlist; every database forces {@code user=trust_user}.</li>
 * </ul>
 */
class AuthIT {

    private static final String TRUST_PASS = "trust_pass";
    private static final String WRONG_SERVER_PASS = "not_the_server_password";

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final Map<String, Integer> PORTS = new HashMap<>();
    private static final PostgresCluster pg = PostgresCluster.shared();

    @ParameterizedTest(name = "auth_type={0}: {1}/{2} on {3} logs in as {4}")
    @CsvSource(nullValues = "NULL", value = {
        "md5,           md5_user,   md5_pass,   app,  md5_user",
        "md5,           scram_user, scram_pass, app,  scram_user",
        "md5,           trust_user, trust_pass, app2, trust_user",
        "scram-sha-256, scram_user, scram_pass, app,  scram_user",
        "scram-sha-256, trust_user, trust_pass, app2, trust_user",
        "plain,         scram_user, scram_pass, app,  scram_user",
        "plain,         md5_user,   md5_pass,   app2, md5_user",
        "plain,         trust_user, trust_pass, app,  trust_user",
        "trust,         trust_user, NULL,       app,  trust_user",
        "trust,         trust_user, anything,   app2, trust_user",
        "any,           no_such_user, NULL,     app,  trust_user",
        "any,           md5_user,   wrong,      app2, trust_user",
    })
    void logsIn(String authType, String user, String password, String db, String serverUser) throws SQLException {
        try (Connection c = connect(authType, user, password, db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_user, current_database()")) {
            assertTrue(rs.next());
            assertEquals(serverUser, rs.getString(1));
            assertEquals(db, rs.getString(2));
        }
    }

    @ParameterizedTest(name = "auth_type={0}: {1}/{2} on {3} gets {4} {5}")
    @CsvSource(nullValues = "NULL", value = {
        "md5,           md5_user,     wrong,      app,    08P01, password authentication failed",
        "md5,           trust_user,   wrong,      app,    08P01, password authentication failed",
        "md5,           scram_user,   wrong,      app,    08P01, SASL authentication failed",
        "md5,           no_such_user, md5_pass,   app,    08P01, password authentication failed",
        "md5,           md5_user,     md5_pass,   nosuch, 08P01, no such database: nosuch",
        "md5,           md5_user,     wrong,      nosuch, 08P01, password authentication failed",
        "md5,           no_such_user, md5_pass,   nosuch, 08P01, password authentication failed",
        "scram-sha-256, scram_user,   wrong,      app,    08P01, SASL authentication failed",
        "scram-sha-256, trust_user,   wrong,      app,    08P01, SASL authentication failed",
        "scram-sha-256, md5_user,     md5_pass,   app,    08P01, SASL authentication failed",
        "scram-sha-256, no_such_user, scram_pass, app,    08P01, SASL authentication failed",
        "scram-sha-256, scram_user,   scram_pass, nosuch, 08P01, no such database: nosuch",
        "scram-sha-256, scram_user,   wrong,      nosuch, 08P01, SASL authentication failed",
        "plain,         scram_user,   wrong,      app,    08P01, password authentication failed",
        "plain,         md5_user,     wrong,      app,    08P01, password authentication failed",
        "plain,         no_such_user, md5_pass,   app,    08P01, password authentication failed",
        "plain,         md5_user,     md5_pass,   nosuch, 08P01, no such database: nosuch",
        "plain,         md5_user,     wrong,      nosuch, 08P01, password authentication failed",
        "trust,         no_such_user, NULL,       app,    08P01, \"trust\" authentication failed",
        "trust,         trust_user,   NULL,       nosuch, 08P01, no such database: nosuch",
        "trust,         no_such_user, NULL,       nosuch, 08P01, \"trust\" authentication failed",
        "trust,         md5_user,     NULL,       app,    28P01, password authentication failed for user \"md5_user\"",
        "any,           no_such_user, NULL,       nosuch, 08P01, no such database: nosuch",
    })
    void isRefused(String authType, String user, String password, String db, String sqlState, String message) {
        SQLException e = assertThrows(SQLException.class, () -> connect(authType, user, password, db).close());

        PSQLException fromServer = assertInstanceOf(PSQLException.class, e);
        ServerErrorMessage error = fromServer.getServerErrorMessage();
        assertNotNull(error, () -> "not an ErrorResponse from jbouncer: " + e);
        assertEquals("FATAL", error.getSeverity(), error::toString);
        assertEquals(sqlState, error.getSQLState(), error::toString);
        assertEquals(message, error.getMessage(), error::toString);
    }

    private static Connection connect(String authType, String user, String password, String db)
            throws SQLException {
        return Jdbc.connect("127.0.0.1", port(authType), db, user, password);
    }

    private static synchronized int port(String authType) {
        if (!PORTS.containsKey(authType)) {
            JBouncerConfig config = configFor(authType);
            BOUNCERS.startForClass(config);
            PORTS.put(authType, config.port());
        }
        return PORTS.get(authType);
    }

    private static JBouncerConfig configFor(String authType) {
        JBouncerConfig config = JBouncerConfig.create()
                .set("auth_type", authType)
                .set("ignore_startup_parameters", "extra_float_digits");
        String forcedUser = "any".equals(authType) ? " user=" + PostgresCluster.TRUST_USER : "";
        for (String db : new String[] {PostgresCluster.DB, PostgresCluster.DB2}) {
            config.database(db, pg.connstring(db) + forcedUser);
        }
        String md5Secret = PostgresCluster.md5Secret(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS);
        switch (authType) {
            case "md5", "scram-sha-256" -> config
                    .user(PostgresCluster.MD5_USER, md5Secret)
                    .user(PostgresCluster.SCRAM_USER, scramSecretOf(PostgresCluster.SCRAM_USER))
                    .user(PostgresCluster.TRUST_USER, TRUST_PASS);
            case "plain" -> config
                    .user(PostgresCluster.MD5_USER, md5Secret)
                    .user(PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS)
                    .user(PostgresCluster.TRUST_USER, TRUST_PASS);
            case "trust" -> config
                    .user(PostgresCluster.MD5_USER, WRONG_SERVER_PASS)
                    .user(PostgresCluster.TRUST_USER, TRUST_PASS);
            case "any" -> { }
            default -> throw new IllegalArgumentException("no userlist for auth_type " + authType);
        }
        return config;
    }

    private static String scramSecretOf(String role) {
        try {
            return pg.scramSecretOf(role);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the SCRAM secret of " + role, e);
        }
    }
}
