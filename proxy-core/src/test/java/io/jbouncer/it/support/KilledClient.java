package io.jbouncer.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A psql client killed inside a transaction (SIGKILL: no Terminate, no ROLLBACK, just a closed socket), and the
 * check that the next client of its server inherits nothing of it: neither its uncommitted row nor its transaction.
 */
public final class KilledClient {

    private static final long INSERT_WITHIN_SECONDS = 20;
    private static final long EXIT_WITHIN_SECONDS = 10;

    private KilledClient() {
    }

    /** psql on {@code connstring} runs {@code BEGIN} and {@code insertSql}, and is killed once the insert is done. */
    public static void killInsideTransaction(PostgresCluster pg, String connstring, String password,
            String insertSql) throws Exception {
        Process client = Psql.of(pg).processBuilder(connstring, password, "-q", "-A", "-t")
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectErrorStream(true)
                .start();
        try {
            Writer stdin = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);
            stdin.write("BEGIN;\n" + insertSql + ";\nSELECT 'inserted';\n");
            stdin.flush();
            BufferedReader stdout = new BufferedReader(
                    new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("inserted", CompletableFuture.supplyAsync(() -> readLine(stdout))
                    .get(INSERT_WITHIN_SECONDS, TimeUnit.SECONDS));
        } finally {
            client.destroyForcibly();
            assertTrue(client.waitFor(EXIT_WITHIN_SECONDS, TimeUnit.SECONDS));
        }
    }

    /**
     * On {@code st}, a client of the killed one's server: row {@code id} of {@code table} (the killed client's
     * insert) is not there, and {@code st} runs in no transaction it did not begin (no transaction id assigned,
     * {@code now()} moves).
     */
    public static void assertNothingInherited(Statement st, String table, int id) throws SQLException {
        try (ResultSet rs = st.executeQuery(
                "SELECT count(*), txid_current_if_assigned() FROM " + table + " WHERE id = " + id)) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1), "the killed client's insert is visible: its transaction was kept");
            assertNull(rs.getObject(2), "the next client runs inside a transaction it did not begin");
        }
        Timestamp first = now(st);
        assertTrue(Poll.until(Duration.ofSeconds(1), () -> !first.equals(now(st))),
                "now() is frozen: the next client runs inside a transaction it did not begin");
    }

    private static String readLine(BufferedReader reader) {
        try {
            return reader.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Timestamp now(Statement st) {
        try (ResultSet rs = st.executeQuery("SELECT now()")) {
            rs.next();
            return rs.getTimestamp(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
