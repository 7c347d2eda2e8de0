package io.jbouncer.it.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Runs the real {@code pgbench} of the test cluster's binaries to completion through {@link PgTool} (stdout and
 * stderr merged: pgbench prints its summary on stdout and its per-client errors on stderr; a test wants both).
 */
public final class Pgbench {

    private final PgTool tool;
    private final PostgresCluster cluster;

    private Pgbench(PgTool tool, PostgresCluster cluster) {
        this.tool = tool;
        this.cluster = cluster;
    }

    /** The {@code pgbench} that belongs to {@code cluster}'s server binaries. */
    public static Pgbench of(PostgresCluster cluster) {
        return new Pgbench(PgTool.of(cluster, "pgbench"), cluster);
    }

    /**
     * Creates database {@code db} owned by {@code owner} and fills it with pgbench's tables at scale 1 (100,000
     * accounts), directly on the cluster.
     *
     * @throws IllegalStateException with pgbench's output if the initialisation fails
     */
    public void createDatabase(TestRole owner, String db) throws SQLException {
        try (Connection c = cluster.superuserJdbc("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db + " OWNER " + owner.name());
        }
        Result init = run(owner.password(), "-i", "-s", "1", "-q",
                "-h", cluster.host(), "-p", Integer.toString(cluster.port()), "-U", owner.name(), db);
        if (init.exitCode() != 0) {
            throw new IllegalStateException("pgbench -i failed:\n" + init.output());
        }
    }

    /** What a finished pgbench returned: exit status (0 ok, 1 bad arguments, 2 errors/aborted clients), output. */
    public record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code pgbench args} ({@code password} may be {@code null}) and waits for it.
     *
     * @throws IllegalStateException if it runs longer than 120 s (it is killed first)
     */
    public Result run(String password, String... args) {
        PgTool.Result result = tool.run(password, args);
        return new Result(result.exitCode(), result.output());
    }
}
