package io.jbouncer.it.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens pgjdbc connections the way integration tests want them: plain TCP (no TLS negotiation unless a test asks
 * for it itself), short timeouts so a hung pooler fails a test instead of stalling the build.
 */
public final class Jdbc {

    private static final int CONNECT_TIMEOUT_SECONDS = 10;
    private static final int SOCKET_TIMEOUT_SECONDS = 60;

    private Jdbc() {
    }

    /** The JDBC URL of {@code db} on {@code host:port}. */
    public static String url(String host, int port, String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    /**
     * Connects as {@code user}; {@code password} may be {@code null} for trust authentication.
     *
     * @throws SQLException as pgjdbc reports it, so tests can assert on {@link SQLException#getSQLState()}
     */
    public static Connection connect(String host, int port, String db, String user, String password)
            throws SQLException {
        return connect(host, port, db, user, password, new Properties());
    }

    /**
     * Like {@link #connect(String, int, String, String, String)} with pgjdbc properties of the test's own (for
     * example {@code prepareThreshold=0}, which transaction pooling needs without prepared-statement tracking, or
     * {@code ApplicationName}); the harness's TLS and timeout properties win over them.
     */
    public static Connection connect(String host, int port, String db, String user, String password,
            Properties extra) throws SQLException {
        Properties props = new Properties();
        props.putAll(extra);
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("sslmode", "disable");
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        return DriverManager.getConnection(url(host, port, db), props);
    }
}
