package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.Pgbench;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import io.netty.channel.uring.IoUring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code io_transport}: the same workload (pgbench, 50 select-only transactions for each of 20 clients in transaction
 * mode, over TCP and, on the native transports, over the Unix socket; a pgjdbc result far larger than a socket
 * buffer) runs on every transport this kernel offers, and a transport that cannot load stops start-up and
 * {@code --check} unless it is {@code auto}, which falls back with one log line. Netty's natives are switched off
 * with its own {@code io.netty.transport.noNative} property to stand for a kernel or seccomp profile that refuses
 * them.
 */
class TransportIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "transport_bench";
    private static final int POOL_SIZE = 4;
    private static final int ROWS = 200_000;
    private static final String NO_NATIVE = "-Dio.netty.transport.noNative=true";
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;

    @BeforeAll
    static void createBenchDatabase() throws SQLException {
        role = TestRole.create(pg, "transport_user");
        Pgbench.of(pg).createDatabase(role, DB);
    }

    private static JBouncerConfig config(String transport) {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("io_transport", transport)
                .database(DB, pg.connstring(DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password());
    }

    @ParameterizedTest(name = "io_transport = {0}")
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void pgbenchAndPgjdbcRunOnTheTransport(String transport) throws Exception {
        if (transport.equals("io_uring")) {
            assumeTrue(IoUring.isAvailable(), () -> "the kernel refuses io_uring: " + IoUring.unavailabilityCause());
        }
        JBouncerConfig config = config(transport);
        JBouncerProcess bouncer = BOUNCERS.start(config);
        assertTrue(bouncer.log().contains("io transport " + transport), bouncer::log);

        assertPgbenchRuns("127.0.0.1", config);
        if (!transport.equals("nio")) {
            assertPgbenchRuns(config.dir().toString(), config);
        }
        try (Connection connection = Jdbc.connect("127.0.0.1", config.port(), DB, role.name(), role.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT i, repeat('x', 100) FROM generate_series(1, " + ROWS
                     + ") i")) {
            long sum = 0;
            int count = 0;
            while (rows.next()) {
                sum += rows.getInt(1);
                count++;
            }
            assertEquals(ROWS, count);
            assertEquals((long) ROWS * (ROWS + 1) / 2, sum);
        }
    }

    private static void assertPgbenchRuns(String host, JBouncerConfig config) {
        Pgbench.Result result = Pgbench.of(pg).run(role.password(), "-n", "-S", "-c", "20", "-j", "2", "-t", "50",
                "-h", host, "-p", Integer.toString(config.port()), "-U", role.name(), DB);
        assertEquals(0, result.exitCode(), result::output);
        assertTrue(result.output().contains("number of failed transactions: 0 (0.000%)"), result::output);
        Matcher processed = PROCESSED.matcher(result.output());
        assertTrue(processed.find() && Long.parseLong(processed.group(1)) > 0, result::output);
    }

    @ParameterizedTest(name = "io_transport = {0}")
    @ValueSource(strings = {"epoll", "io_uring"})
    void aNativeTransportThatCannotLoadStopsStartUpAndCheck(String transport) throws IOException {
        JBouncerConfig config = config(transport);
        String ini = config.write().toString();
        String expected = "io_transport = " + transport + " cannot be used on this machine";

        JBouncerProcess.Exited checked = JBouncerProcess.run(config.dir(), List.of(NO_NATIVE), "--check", ini);
        assertNotEquals(0, checked.exitCode(), checked::output);
        assertTrue(checked.output().contains(ini + ":" + iniLine(ini, "io_transport") + ": io_transport: " + expected),
                checked::output);

        JBouncerProcess.Exited started = JBouncerProcess.run(config.dir(), List.of(NO_NATIVE), ini);
        assertNotEquals(0, started.exitCode(), started::output);
        assertTrue(started.output().contains(expected), started::output);
    }

    /** The 1-based line of {@code ini} that sets {@code key}. */
    private static int iniLine(String ini, String key) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(ini));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(key + " =")) {
                return i + 1;
            }
        }
        throw new AssertionError(key + " not in " + ini);
    }

    @Test
    void autoFallsBackToNioWithOneLogLine() throws Exception {
        JBouncerConfig config = config("auto");
        JBouncerProcess bouncer = BOUNCERS.start(config, List.of(NO_NATIVE));
        String log = bouncer.log();
        assertEquals(1, log.split("the native epoll transport is not available", -1).length - 1, log);
        assertTrue(log.contains("io transport nio"), log);
        assertPgbenchRuns("127.0.0.1", config);
    }
}
