package io.jbouncer.it.support;

import java.sql.SQLException;
import java.util.List;

/**
 * The client backends PostgreSQL has for some roles, as {@code pg_stat_activity} lists them, read by the superuser
 * on a connection of its own (left out): the pooler's server connections seen from the server side, by database
 * and role, for limits that span several pools. Failures become {@link IllegalStateException}s so these can be
 * polled from lambdas.
 */
public final class Backends {

    private static final String CLIENT_BACKENDS = " FROM pg_stat_activity WHERE backend_type = 'client backend'"
            + " AND pid <> pg_backend_pid() AND usename = ANY (?)";

    private final PostgresCluster pg;
    private final String[] users;

    private Backends(PostgresCluster pg, String... users) {
        this.pg = pg;
        this.users = users.clone();
    }

    /** The backends of any of {@code users} on {@code pg}. */
    public static Backends of(PostgresCluster pg, String... users) {
        return new Backends(pg, users);
    }

    /** How many there are, in every database. */
    public int count() {
        return Integer.parseInt(column("SELECT count(*)::text" + CLIENT_BACKENDS).get(0));
    }

    /** How many there are in database {@code datname}. */
    public int count(String datname) {
        return Integer.parseInt(column("SELECT count(*)::text" + CLIENT_BACKENDS + " AND datname = ?", datname)
                .get(0));
    }

    /** Their process ids, in every database. */
    public List<Integer> pids() {
        return column("SELECT pid::text" + CLIENT_BACKENDS + " ORDER BY pid").stream()
                .map(Integer::valueOf).toList();
    }

    /** Terminates backend {@code pid} ({@code pg_terminate_backend}); returns whether it existed. */
    public boolean terminate(int pid) {
        return column("SELECT pg_terminate_backend(pid)::text" + CLIENT_BACKENDS + " AND pid = ?", pid)
                .contains("true");
    }

    /** The first column of {@code sql}, whose first parameter is the role names, then {@code parameters}. */
    private List<String> column(String sql, Object... parameters) {
        Object[] all = new Object[parameters.length + 1];
        all[0] = users;
        System.arraycopy(parameters, 0, all, 1, parameters.length);
        try {
            return pg.superuserColumn(sql, all);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        }
    }
}
