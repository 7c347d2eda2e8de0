package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * COPY in both directions through transaction pooling: the server stays linked for the whole COPY (no release
 * while CopyData flows) and is released after it, so two clients sharing one server connection take turns.
 */
class TransactionPoolCopyIT {
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "copy1";
    private static final int ROWS = 50_000;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerProcess bouncer;
    private static JBouncerConfig config;

    @BeforeAll
    static void start() throws SQLException {
        role = TestRole.create(pg, "tx_copy_user");
        try (Connection c = pg.superuserJdbc(PostgresCluster.DB); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE tx_copy (id int, v text)");
            st.execute("ALTER TABLE tx_copy OWNER TO " + role.name());
        }
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(role.name(), role.password());
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void copyInAndOutOnOneSharedServerConnection() throws Exception {
        String rows = rows();
        CompletableFuture<Long> in1 = CompletableFuture.supplyAsync(() -> copyIn(rows));
        CompletableFuture<Long> in2 = CompletableFuture.supplyAsync(() -> copyIn(rows));
        assertEquals(ROWS, in1.get());
        assertEquals(ROWS, in2.get());

        try (Connection c = role.connect(config.port(), DB)) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long copied = copy.copyOut("COPY (SELECT id, v FROM tx_copy WHERE id % 2 = 0 ORDER BY id) TO STDOUT", out);
            assertEquals(ROWS, copied, "both clients' even rows");
            try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM tx_copy")) {
                rs.next();
                assertEquals(2L * ROWS, rs.getLong(1), "the connection is usable after COPY OUT");
            }
            String first = out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
            assertEquals("0\tv0", first);
        }
    }

    private static long copyIn(String rows) {
        try (Connection c = role.connect(config.port(), DB)) {
            return c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY tx_copy FROM STDIN", new StringReader(rows));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String rows() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ROWS; i++) {
            sb.append(i).append("\tv").append(i).append('\n');
        }
        return sb.toString();
    }
}
