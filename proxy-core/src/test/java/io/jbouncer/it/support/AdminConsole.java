package io.jbouncer.it.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The admin console (database {@value #DB}) of a jbouncer on 127.0.0.1 through pgjdbc: connections in the simple
 * query protocol (as psql uses it) or the extended one, and rows as maps from column name to text.
 */
public final class AdminConsole {

    /** The console's database name. */
    public static final String DB = "pgbouncer";

    private AdminConsole() {
    }

    /** A console connection in the simple query protocol ({@code preferQueryMode=simple}). */
    public static Connection connect(int port, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return Jdbc.connect("127.0.0.1", port, DB, user, password, props);
    }

    /** A console connection in pgjdbc's default extended query protocol. */
    public static Connection connectExtended(int port, String user, String password) throws SQLException {
        return Jdbc.connect("127.0.0.1", port, DB, user, password);
    }

    /** Runs {@code sql} and returns every row, columns in order, values as text (NULL as {@code null}). */
    public static List<Map<String, String>> rows(Connection console, String sql) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Statement st = console.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int c = 1; c <= meta.getColumnCount(); c++) {
                    row.put(meta.getColumnName(c), rs.getString(c));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * The row of {@code sql} whose {@code keyColumn} is {@code key}.
     *
     * @throws IllegalStateException listing the rows when there is no such row
     */
    public static Map<String, String> row(Connection console, String sql, String keyColumn, String key)
            throws SQLException {
        List<Map<String, String>> rows = rows(console, sql);
        return rows.stream().filter(row -> key.equals(row.get(keyColumn))).findFirst().orElseThrow(
                () -> new IllegalStateException("no row with " + keyColumn + " = " + key + " in " + sql + ": " + rows));
    }

    /** The number in {@code column} of {@link #row}. */
    public static long number(Connection console, String sql, String keyColumn, String key, String column)
            throws SQLException {
        return Long.parseLong(row(console, sql, keyColumn, key).get(column));
    }

    /** Runs a console command that returns no rows (PAUSE, RELOAD, KILL ...). */
    public static void command(Connection console, String command) throws SQLException {
        try (Statement st = console.createStatement()) {
            st.execute(command);
        }
    }
}
