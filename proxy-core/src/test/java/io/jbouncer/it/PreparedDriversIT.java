package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jbouncer.it.support.BackendSampler;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two more real drivers preparing every statement server-side through transaction pooling on a pool much smaller
 * than their connection count (issue 7): psycopg 3 with {@code prepare_threshold=0} (Debian
 * {@code python3-psycopg}) and node-postgres named queries ({@code npm install pg}). Each driver runs a script from
 * {@code src/test/resources/drivers/} that checks every result itself and prints {@code ok <transactions>}.
 *
 * <p>Nothing is skipped: a missing driver fails the test with the way {@code .ci/run} installs it.
 */
class PreparedDriversIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "prepdrivers";
    private static final int POOL_SIZE = 3;
    private static final int CLIENTS = 20;
    private static final int TRANSACTIONS = 50;
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(120);
    /** The interpreter the Debian package targets (a pyenv python3 on PATH would not see it). */
    private static final String PYTHON = "/usr/bin/python3";

    private static PostgresCluster pg;
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws Exception {
        pg = PostgresCluster.shared();
        role = TestRole.create(pg, "prepdrv_user");
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "100")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void psycopgWithPrepareThresholdZeroRunsCleanOnASmallPool() throws Exception {
        Outcome check = run(List.of(PYTHON, "-c", "import psycopg"), Map.of());
        if (check.exitCode() != 0) {
            fail("psycopg 3 is missing for " + PYTHON + ": .ci/run installs it with"
                    + " 'apt-get install -y python3-psycopg'\n" + check.output());
        }

        assertDriverRunsClean(List.of(PYTHON, script("psycopg_prepared.py"),
                Integer.toString(CLIENTS), Integer.toString(TRANSACTIONS)), Map.of());
    }

    @Test
    void nodePostgresNamedQueriesRunCleanOnASmallPool() throws Exception {
        Path modules = NodePg.install();

        assertDriverRunsClean(List.of("node", script("node_pg_named.js"),
                Integer.toString(CLIENTS), Integer.toString(TRANSACTIONS)), Map.of("NODE_PATH", modules.toString()));
    }

    /** Runs a driver script against the bouncer and checks its verdict, and that the pool stayed within its size. */
    private static void assertDriverRunsClean(List<String> command, Map<String, String> env) throws Exception {
        Outcome outcome;
        int peak;
        try (BackendSampler sampler = BackendSampler.start(pg, role.name())) {
            outcome = run(command, env);
            peak = sampler.peak();
        }
        assertEquals(0, outcome.exitCode(), outcome::output);
        assertEquals("ok " + CLIENTS * TRANSACTIONS, outcome.output().strip(), outcome::output);
        assertTrue(peak >= 1 && peak <= POOL_SIZE, "PostgreSQL saw " + peak + " backends");
    }

    private static String script(String name) throws URISyntaxException {
        return Path.of(PreparedDriversIT.class.getResource("/drivers/" + name).toURI()).toString();
    }

    /** What a finished command printed (stdout and stderr merged) and returned. */
    record Outcome(int exitCode, String output) {
    }

    /**
     * Runs {@code command} to completion with the libpq environment pointing at the bouncer as the test role
     * (psycopg and node-postgres both read {@code PGHOST} ... {@code PGPASSWORD}). Output goes to a file, so a
     * chatty command can never block on a full pipe.
     */
    static Outcome run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        Path output = Files.createTempFile("jbouncer-driver", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(name -> name.startsWith("PG"));
            if (config != null) { // null when another test class runs a script, with its own PG* in env
                environment.put("PGHOST", "127.0.0.1");
                environment.put("PGPORT", Integer.toString(config.port()));
                environment.put("PGUSER", role.name());
                environment.put("PGPASSWORD", role.password());
                environment.put("PGDATABASE", DB);
                environment.put("PGSSLMODE", "disable");
            }
            environment.putAll(env);
            Process process = builder.start();
            if (!process.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                fail("timed out after " + SCRIPT_TIMEOUT + ": " + command + "\n" + Files.readString(output));
            }
            return new Outcome(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /**
     * node-postgres, installed once per build into {@code target/node-pg} with npm (the registry is reachable in
     * CI) and reused by later runs of the same build.
     */
    static final class NodePg {
        private static Path modules;

        private NodePg() {
        }

        /** The {@code node_modules} directory holding {@code pg}, for {@code NODE_PATH}. */
        static synchronized Path install() throws IOException, InterruptedException {
            if (modules != null) {
                return modules;
            }
            for (String tool : List.of("node", "npm")) {
                if (run(List.of("sh", "-c", "command -v " + tool), Map.of()).exitCode() != 0) {
                    fail(tool + " is missing: .ci/run installs it with 'apt-get install -y nodejs npm'");
                }
            }
            Path prefix = Path.of(System.getProperty(JBouncerProcess.JAR_PROPERTY)).toAbsolutePath().getParent()
                    .resolve("node-pg");
            Path installed = prefix.resolve("node_modules");
            if (!Files.isDirectory(installed.resolve("pg"))) {
                Files.createDirectories(prefix);
                Outcome npm = run(List.of("npm", "install", "--no-audit", "--no-fund", "--no-save",
                        "--prefix", prefix.toString(), "pg"), Map.of());
                assertEquals(0, npm.exitCode(), () -> "npm install pg failed:\n" + npm.output());
            }
            modules = installed;
            return modules;
        }
    }
}
