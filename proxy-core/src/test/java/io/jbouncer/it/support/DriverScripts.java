package io.jbouncer.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver scripts of {@code src/test/resources/drivers/} run against a jbouncer as libpq clients: psycopg 3
 * under Debian's {@code /usr/bin/python3} ({@code python3-psycopg}; a pyenv python3 on PATH would not see it) and
 * node-postgres under {@code node} ({@code npm install pg}). {@code PGHOST} ... {@code PGPASSWORD} name the
 * bouncer, the test role and a database. Each script checks its results itself and prints {@code ok <count>}.
 *
 * <p>Nothing is skipped: a missing driver fails the test with the way {@code .ci/run} installs it.
 */
public final class DriverScripts {

    private static final String PYTHON = "/usr/bin/python3";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Path WORK_DIR = Path.of("").toAbsolutePath();
    private static Path nodeModules;

    private final Map<String, String> libpq;

    private DriverScripts(Map<String, String> libpq) {
        this.libpq = libpq;
    }

    /** Scripts that connect to the jbouncer at {@code port} as {@code role}, to {@code database}. */
    public static DriverScripts against(int port, TestRole role, String database) {
        return new DriverScripts(Map.of("PGHOST", "127.0.0.1", "PGPORT", Integer.toString(port),
                "PGUSER", role.name(), "PGPASSWORD", role.password(), "PGDATABASE", database,
                "PGSSLMODE", "disable"));
    }

    /** Runs {@code drivers/<script>} with psycopg 3, failing first if psycopg is not installed. */
    public Exec.Result psycopg(String script, String... args) {
        Exec.Result check = Exec.run(WORK_DIR, TIMEOUT, List.of(PYTHON, "-c", "import psycopg"));
        if (!check.succeeded()) {
            fail("psycopg 3 is missing for " + PYTHON + ": .ci/run installs it with"
                    + " 'apt-get install -y python3-psycopg'\n" + check.output());
        }
        return Exec.runLibpqClient(WORK_DIR, TIMEOUT, command(PYTHON, script, args), libpq);
    }

    /** Runs {@code drivers/<script>} with node-postgres, installing it first if this build has not yet. */
    public Exec.Result nodePg(String script, String... args) {
        Map<String, String> env = new HashMap<>(libpq);
        env.put("NODE_PATH", installNodePg().toString());
        return Exec.runLibpqClient(WORK_DIR, TIMEOUT, command("node", script, args), env);
    }

    private static List<String> command(String interpreter, String script, String... args) {
        List<String> command = new ArrayList<>(List.of(interpreter, path(script)));
        command.addAll(List.of(args));
        return command;
    }

    private static String path(String script) {
        try {
            return Path.of(DriverScripts.class.getResource("/drivers/" + script).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("drivers/" + script + " is not on the test class path", e);
        }
    }

    /**
     * node-postgres, installed once per build into {@code target/node-pg} with npm (the registry is reachable in
     * CI) and reused by later runs of the same build; returns the {@code node_modules} directory for
     * {@code NODE_PATH}.
     */
    private static synchronized Path installNodePg() {
        if (nodeModules != null) {
            return nodeModules;
        }
        for (String tool : List.of("node", "npm")) {
            if (!Exec.run(WORK_DIR, TIMEOUT, List.of("sh", "-c", "command -v " + tool)).succeeded()) {
                fail(tool + " is missing: .ci/run installs it with 'apt-get install -y nodejs npm'");
            }
        }
        Path prefix = Path.of(System.getProperty(JBouncerProcess.JAR_PROPERTY)).toAbsolutePath().getParent()
                .resolve("node-pg");
        Path installed = prefix.resolve("node_modules");
        if (!Files.isDirectory(installed.resolve("pg"))) {
            createDirectories(prefix);
            Exec.Result npm = Exec.run(WORK_DIR, TIMEOUT, List.of("npm", "install", "--no-audit", "--no-fund",
                    "--no-save", "--prefix", prefix.toString(), "pg"));
            assertEquals(0, npm.exitCode(), () -> "npm install pg failed:\n" + npm.output());
        }
        nodeModules = installed;
        return nodeModules;
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}
