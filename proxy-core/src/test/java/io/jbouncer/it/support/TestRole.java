package io.jbouncer.it.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A PostgreSQL role created for one test class, with a password (the cluster authenticates unknown roles with
 * scram-sha-256), so counting its backends counts that class's pools only.
 *
 * @param name the role name, also its {@code userlist.txt} name
 * @param password its plain password, usable both in {@code userlist.txt} and by clients
 */
public record TestRole(String name, String password) {

    /**
     * Creates role {@code name} with password {@code name + "_pass"} and every right on database
     * {@value PostgresCluster#DB} and its schema {@code public}.
     */
    public static TestRole create(PostgresCluster pg, String name) throws SQLException {
        TestRole role = new TestRole(name, name + "_pass");
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + name + " LOGIN PASSWORD '" + role.password + "'");
            st.execute("GRANT ALL ON DATABASE " + PostgresCluster.DB + " TO " + name);
            st.execute("GRANT ALL ON SCHEMA public TO " + name);
        }
        return role;
    }

    /**
     * Creates table {@code table(id int PRIMARY KEY, n int NOT NULL)} in {@value PostgresCluster#DB} with rows
     * {@code (0, 0) .. (rows - 1, 0)}, owned by this role: one counter row per client.
     */
    public void createCounters(PostgresCluster pg, String table, int rows) throws SQLException {
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, n int NOT NULL)");
            st.execute("INSERT INTO " + table + " SELECT g, 0 FROM generate_series(0, " + (rows - 1) + ") g");
            st.execute("ALTER TABLE " + table + " OWNER TO " + name);
        }
    }

    /**
     * A pgjdbc connection as this role to {@code db} of the jbouncer on {@code port}, with {@code prepareThreshold=0}
     * (transaction pooling without prepared-statement tracking cannot keep named statements) plus {@code extra}.
     */
    public Connection connect(int port, String db, Properties extra) throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "0");
        props.putAll(extra);
        return Jdbc.connect("127.0.0.1", port, db, name, password, props);
    }

    /** {@link #connect(int, String, Properties)} without extra properties. */
    public Connection connect(int port, String db) throws SQLException {
        return connect(port, db, new Properties());
    }

    /** A libpq connection string for {@code db} on the jbouncer on {@code port}, as this role, without TLS. */
    public String connstring(int port, String db) {
        return "host=127.0.0.1 port=" + port + " dbname=" + db + " user=" + name + " sslmode=disable";
    }
}
