package io.jbouncer.it.support;

import java.sql.SQLException;
import java.util.List;

/**
 * What PostgreSQL's {@code pg_stat_activity} says about the pooler's server connections, read by the superuser on
 * a connection of its own (which the queries leave out). Failures become {@link IllegalStateException}s so these
 * can be polled from lambdas.
 */
public final class PgStatActivity {

    private final PostgresCluster pg;

    private PgStatActivity(PostgresCluster pg) {
        this.pg = pg;
    }

    /** The view of {@code pg}. */
    public static PgStatActivity of(PostgresCluster pg) {
        return new PgStatActivity(pg);
    }

    /** How many backends are running exactly {@code query} right now ({@code state = 'active'}). */
    public int activeQueries(String query) {
        List<String> counts = column("SELECT count(*)::text FROM pg_stat_activity WHERE state = 'active'"
                + " AND query = ?", query);
        return Integer.parseInt(counts.get(0));
    }

    /** The {@code state} of every client backend of {@code user} ({@code idle}, {@code idle in transaction}...). */
    public List<String> backendStates(String user) {
        return column("SELECT coalesce(state, 'unknown') FROM pg_stat_activity WHERE usename = ?"
                + " AND backend_type = 'client backend' AND pid <> pg_backend_pid()", user);
    }

    private List<String> column(String sql, String parameter) {
        try {
            return pg.superuserColumn(sql, parameter);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        }
    }
}
