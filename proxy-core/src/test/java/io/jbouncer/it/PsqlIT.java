package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The user story 3: the real {@code psql} connects through jbouncer (session mode, md5 auth) over TCP and
 * over the Unix socket, and everything a psql user does works as it does against PostgreSQL directly.
 */
class PsqlIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final String USER = PostgresCluster.MD5_USER;
    private static final String PASSWORD = PostgresCluster.MD5_PASS;

    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;
    private static Psql psql;

    /** How psql reaches jbouncer: libpq's {@code host} is an address or a socket directory. */
    enum Transport {
        TCP, UNIX_SOCKET;

        String connstring() {
            String host = this == TCP ? "127.0.0.1" : config.dir().toString();
            return "host=" + host + " port=" + config.port() + " dbname=" + PostgresCluster.DB + " user=" + USER
                    + " sslmode=disable";
        }
    }

    @BeforeAll
    static void startBouncer() {
        psql = Psql.of(pg);
        config = JBouncerConfig.create()
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(USER, PostgresCluster.md5Secret(USER, PASSWORD));
        bouncer = BOUNCERS.start(config);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void multiRowResultArrivesCompleteAndInOrder(Transport transport) {
        Psql.Result result = psql.run(transport.connstring(), PASSWORD, "-A", "-t",
                "-c", "SELECT g, 'row ' || g FROM generate_series(1, 1000) g");

        assertEquals(0, result.exitCode(), result.stderr());
        String expected = IntStream.rangeClosed(1, 1000).mapToObj(g -> g + "|row " + g)
                .collect(Collectors.joining("\n", "", "\n"));
        assertEquals(expected, result.stdout());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void copyFromFileThenToFileRoundTripsEveryRow(Transport transport, @TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.tsv");
        Path out = dir.resolve("out.tsv");
        String rows = IntStream.rangeClosed(1, 5000).mapToObj(i -> i + "\tvalue " + i)
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(in, rows, StandardCharsets.UTF_8);

        Psql.Result result = psql.run(transport.connstring(), PASSWORD, "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-c", "CREATE TEMP TABLE copied (id int, v text)",
                "-c", "\\copy copied from '" + in + "'",
                "-c", "SELECT count(*), sum(id) FROM copied",
                "-c", "\\copy (SELECT * FROM copied ORDER BY id) to '" + out + "'");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of("CREATE TABLE", "COPY 5000", "5000|12502500", "COPY 5000"),
                result.stdout().lines().toList());
        assertEquals(rows, Files.readString(out, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void failingStatementShowsPostgresErrorAndSessionStaysOnItsServer(Transport transport) {
        Psql.Result result = psql.run(transport.connstring(), PASSWORD, "-A", "-t",
                "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=verbose",
                "-c", "SELECT pg_backend_pid()",
                "-c", "SELECT 1/0",
                "-c", "SELECT pg_backend_pid()",
                "-c", "SELECT 'still usable'");

        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("ERROR:  22012: division by zero\n"), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertEquals(3, lines.size(), result.stdout());
        assertEquals(lines.get(0), lines.get(1), "session mode keeps the same server connection");
        assertEquals("still usable", lines.get(2));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void noticeIsShown(Transport transport) {
        Psql.Result result = psql.run(transport.connstring(), PASSWORD,
                "-c", "DO $$ BEGIN RAISE NOTICE 'hello'; END $$");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("NOTICE:  hello\n", result.stderr());
        assertEquals("DO\n", result.stdout());
    }
}
