package io.jbouncer.it.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code pgbench} of the test cluster's binaries to completion: {@code pgbench [args]} with the
 * password in {@code PGPASSWORD}, every other inherited {@code PG*} variable removed, and stdout and stderr merged
 * (pgbench prints its summary on stdout and its per-client errors on stderr; a test wants both).
 */
public final class Pgbench {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Path binary;
    private final PostgresCluster cluster;

    private Pgbench(Path binary, PostgresCluster cluster) {
        this.binary = binary;
        this.cluster = cluster;
    }

    /** The {@code pgbench} that belongs to {@code cluster}'s server binaries. */
    public static Pgbench of(PostgresCluster cluster) {
        return new Pgbench(cluster.binary("pgbench"), cluster);
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
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        Path output = null;
        try {
            output = Files.createTempFile("jbouncer-pgbench", ".out");
            Process process = builder.redirectOutput(output.toFile()).start();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("pgbench did not finish within " + TIMEOUT + ":\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run pgbench", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for pgbench", e);
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }
}
