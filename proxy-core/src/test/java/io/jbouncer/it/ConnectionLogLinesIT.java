package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.Backends;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lines operators grep in PgBouncer's log, exactly as PgBouncer 1.25 writes them: with log_connections a
 * client's {@code login attempt} and a server's {@code new connection to server (from <addr>)}; with
 * log_disconnections each side's {@code closing because: <reason> (age=<s>s)}, all at LOG after the
 * {@code C-<id>: db/user@ip:port} or {@code S-<id>: db/user@ip:port} prefix. Both settings off: none of them.
 */
class ConnectionLogLinesIT {

    private static final String DB = "loglines";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+ \\[\\d+\\] ";

    private static final PostgresCluster pg = PostgresCluster.shared();
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static JBouncerConfig config(TestRole role) {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("server_idle_timeout", "1")
                .database(DB, pg.connstring(PostgresCluster.DB))
                .user(role.name(), role.password());
    }

    @Test
    void logsEachSidesConnectionAndDisconnectionAsPgBouncer() throws Exception {
        TestRole role = TestRole.create(pg, "loglines_user");
        JBouncerConfig config = config(role);
        JBouncerProcess bouncer = BOUNCERS.start(config);
        String user = role.name();
        String client = "LOG " + clientPrefix(user);
        String server = "LOG " + serverPrefix(user);

        runOneQuery(role, config);

        awaitLine(bouncer, client + "login attempt: db=" + DB + " user=" + user + " tls=no replication=no");
        awaitLine(bouncer, server + "new connection to server \\(from 127\\.0\\.0\\.1:\\d+\\)");
        awaitLine(bouncer, client + "closing because: client close request \\(age=\\d+s\\)");
        awaitLine(bouncer, server + "closing because: server idle timeout \\(age=\\d+s\\)");
    }

    /** PgBouncer's janitor closes the server and its client with the timer's reason: both lines say it. */
    @Test
    void aQueryTimeoutClosesBothSidesWithItsReason() throws Exception {
        TestRole role = TestRole.create(pg, "loglines_timeout_user");
        JBouncerConfig config = config(role).set("query_timeout", "1");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        String user = role.name();

        try (Connection c = role.connect(config.port(), DB); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("SELECT pg_sleep(30)"));
        }

        awaitLine(bouncer, "LOG " + clientPrefix(user) + "closing because: query timeout \\(age=\\d+s\\)");
        awaitLine(bouncer, "WARNING " + clientPrefix(user) + "pooler error: query timeout");
        awaitLine(bouncer, "LOG " + serverPrefix(user) + "closing because: query timeout \\(age=\\d+s\\)");
    }

    @Test
    void logsNoneOfThemWithBothSettingsOff() throws Exception {
        TestRole role = TestRole.create(pg, "loglines_quiet_user");
        JBouncerConfig config = config(role).set("log_connections", "0").set("log_disconnections", "0");
        JBouncerProcess bouncer = BOUNCERS.start(config);
        Backends backends = Backends.of(pg, role.name());

        runOneQuery(role, config);
        assertTrue(Poll.until(WAIT, () -> backends.count() == 0), "server_idle_timeout should close the server");

        List<String> connectionLines = bouncer.log().lines()
                .filter(l -> l.contains("login attempt") || l.contains("new connection to server")
                        || l.contains("closing because"))
                .toList();
        assertEquals(List.of(), connectionLines);
    }

    private static void runOneQuery(TestRole role, JBouncerConfig config) throws Exception {
        try (Connection c = role.connect(config.port(), DB); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    /** {@code C-<id>: db/user@127.0.0.1:<port> }, as a regular expression. */
    private static String clientPrefix(String user) {
        return "C-\\S+: " + DB + "/" + user + "@127\\.0\\.0\\.1:\\d+ ";
    }

    /** {@code S-<id>: db/user@<PostgreSQL's ip:port> }, as a regular expression. */
    private static String serverPrefix(String user) {
        return "S-\\S+: " + DB + "/" + user + "@127\\.0\\.0\\.1:" + pg.port() + " ";
    }

    private static void awaitLine(JBouncerProcess bouncer, String regex) {
        Pattern line = Pattern.compile(TIME + regex);
        assertTrue(Poll.until(WAIT, () -> bouncer.log().lines().anyMatch(l -> line.matcher(l).matches())),
                () -> "no line matching " + line + " in:\n" + bouncer.log());
    }
}
