package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.DriverScripts;
import io.jbouncer.it.support.Exec;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.TestRole;
import io.jbouncer.it.support.WireMessages;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * LISTEN/NOTIFY in transaction mode (issue 18, part 1; docs/transaction-mode.md): a client's LISTEN outlives the
 * transaction that ran it, notifications reach exactly the subscribed clients through the pool's listener
 * connection with payload and sender pid unchanged, a rolled-back LISTEN subscribes nothing, a client that never
 * reads is cut off at {@code notify_queue_size} without holding up the others, and a PostgreSQL restart costs a
 * NOTICE, not the subscription. Real drivers: pgjdbc, psycopg 3, node-postgres.
 */
class TransactionListenIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "listendb";
    private static final String ADMIN = "listen_admin";
    private static final String ADMIN_PASS = "listen_admin_pass";
    private static final int POOL_SIZE = 2;
    private static final int QUEUE_SIZE = 1000;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void startBouncer() throws Exception {
        role = TestRole.create(pg, "listen_user");
        config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "300")
                .set("notify_queue_size", Integer.toString(QUEUE_SIZE))
                .set("admin_users", ADMIN)
                .database(DB, pg.connstring(PostgresCluster.DB) + " pool_size=" + POOL_SIZE)
                .user(role.name(), role.password())
                .user(ADMIN, ADMIN_PASS);
        bouncer = BOUNCERS.start(config);
    }

    @Test
    void pgjdbcListenerGetsPayloadAndSenderPidAndItsOldServerStaysClean() throws Exception {
        try (Connection listener = connect(); Connection notifier = connect(); Connection other = connect()) {
            execute(listener, "LISTEN jdbc_channel");
            assertEquals(1, poolNumber("sv_listen"), "one listener connection, outside the pool");
            assertTrue(AdminConsole.rows(console(), "SHOW SERVERS").stream()
                    .anyMatch(row -> "listener".equals(row.get("application_name"))), "SHOW SERVERS lists it");

            notifier.setAutoCommit(false);
            execute(notifier, "NOTIFY jdbc_channel, 'one'");
            execute(notifier, "SELECT pg_notify('jdbc_channel', 'two')");
            int senderPid = intQuery(notifier, "SELECT pg_backend_pid()");
            notifier.commit();
            notifier.setAutoCommit(true);

            List<PGNotification> got = collect(listener, 2);
            assertEquals(List.of("one", "two"), got.stream().map(PGNotification::getParameter).toList());
            for (PGNotification n : got) {
                assertEquals("jdbc_channel", n.getName());
                assertEquals(senderPid, n.getPID(), "the sending backend's pid, unchanged");
            }

            // With two servers in the pool, the one that ran the LISTEN serves the others now: it must not deliver
            // the channel to them (it ran UNLISTEN * before going back).
            for (int i = 0; i < 4; i++) {
                execute(other, "NOTIFY jdbc_channel, 'again'");
                intQuery(other, "SELECT 1");
            }
            assertEquals(0, other.unwrap(PGConnection.class).getNotifications(200).length,
                    "a client that never listened got a notification");
            assertEquals(4, collect(listener, 4).size());
        }
    }

    @Test
    void listenTakesEffectAtCommitAndNotAfterRollback() throws Exception {
        try (Connection listener = connect(); Connection notifier = connect()) {
            SQLException failed = assertThrows(SQLException.class,
                    () -> execute(listener, "LISTEN failed_implicitly; SELECT 1/0"));
            assertEquals("22012", failed.getSQLState());
            listener.setAutoCommit(false);
            execute(listener, "LISTEN rolled_back");
            listener.rollback();
            execute(listener, "LISTEN \"Committed\"");
            execute(listener, "SELECT 1");
            listener.commit();
            listener.setAutoCommit(true);

            execute(notifier, "NOTIFY failed_implicitly, 'must not arrive'");
            execute(notifier, "NOTIFY rolled_back, 'must not arrive'");
            execute(notifier, "NOTIFY \"Committed\", 'arrives'");
            List<PGNotification> got = collect(listener, 1);
            assertEquals("Committed", got.get(0).getName());
            assertEquals("arrives", got.get(0).getParameter());
            assertEquals(0, listener.unwrap(PGConnection.class).getNotifications(200).length);

            execute(listener, "UNLISTEN \"Committed\"");
            execute(notifier, "NOTIFY \"Committed\", 'after unlisten'");
            assertEquals(0, listener.unwrap(PGConnection.class).getNotifications(300).length);
        }
    }

    /** 100 listeners on 10 channels, 100 notifications per channel: exactly 10,000 deliveries, each in order. */
    @Test
    void hundredListenersOnTenChannelsGetExactlyTheirNotificationsInOrder() throws Exception {
        int listeners = 100;
        int channels = 10;
        int perChannel = 100;
        List<Connection> clients = new ArrayList<>();
        ExecutorService readers = Executors.newFixedThreadPool(listeners);
        try (Connection notifier = connect()) {
            for (int i = 0; i < listeners; i++) {
                Connection c = connect();
                clients.add(c);
                execute(c, "LISTEN scale_" + i % channels);
            }
            List<Future<List<String>>> received = new ArrayList<>();
            for (Connection c : clients) {
                received.add(readers.submit(() -> collect(c, perChannel).stream()
                        .map(n -> n.getName() + ":" + n.getParameter()).toList()));
            }
            for (int round = 0; round < perChannel; round++) {
                execute(notifier, "SELECT pg_notify('scale_' || c, '" + round + "') FROM generate_series(0, "
                        + (channels - 1) + ") c");
            }
            int total = 0;
            for (int i = 0; i < listeners; i++) {
                String channel = "scale_" + i % channels;
                List<String> expected = IntStream.range(0, perChannel).mapToObj(r -> channel + ":" + r).toList();
                List<String> got = received.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertEquals(expected, got, "listener " + i);
                total += got.size();
            }
            assertEquals(listeners * perChannel, total);
            for (Connection c : clients) {
                assertEquals(0, c.unwrap(PGConnection.class).getNotifications(1).length, "nothing extra");
            }
        } finally {
            readers.shutdownNow();
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    @Test
    void listenerThatNeverReadsIsDisconnectedWithoutHurtingTheOthers() throws Exception {
        // 42 MB in all: more than the slow client's socket buffers and queue can hold. Its receive buffer is fixed
        // small (an explicit SO_RCVBUF turns off the kernel's autotuning, which can grow to tcp_rmem's maximum,
        // 32 MB on recent kernels, and would swallow the flood). They are sent in batches smaller than the queue,
        // each read by the reader before the next is sent, so the reader never lags by a queue's worth however
        // slowly a loaded machine lets it read.
        int batch = QUEUE_SIZE / 2;
        int notifications = 12 * batch;
        Properties smallReceiveBuffer = new Properties();
        smallReceiveBuffer.setProperty("receiveBufferSize", "16384");
        try (Connection slow = role.connect(config.port(), DB, smallReceiveBuffer); Connection reader = connect();
                Connection notifier = connect()) {
            execute(slow, "LISTEN flood");
            execute(reader, "LISTEN flood");
            List<PGNotification> got = new ArrayList<>();
            for (int first = 1; first <= notifications; first += batch) {
                execute(notifier, "SELECT pg_notify('flood', g || ':' || repeat('x', 7000)) FROM generate_series("
                        + first + ", " + (first + batch - 1) + ") g");
                got.addAll(collect(reader, batch));
            }
            for (int i = 0; i < notifications; i++) {
                assertTrue(got.get(i).getParameter().startsWith((i + 1) + ":"), "in order");
            }
            assertTrue(bouncer.awaitLog("closing because: notify_queue_size exceeded", WAIT), bouncer::log);
            assertFalse(slow.isValid(5), "the client that never read is disconnected");
            assertEquals(0, reader.unwrap(PGConnection.class).getNotifications(100).length);
            execute(reader, "SELECT 1"); // the reader is still served
        }
    }

    /**
     * The client's first LISTEN arrives while requests before it are still unanswered, all in one write: an
     * extended-protocol batch, then BEGIN, LISTEN and ROLLBACK, then another LISTEN in a batch. The LISTEN state is
     * created on the way (docs/transaction-mode.md): the rolled-back LISTEN subscribes nothing, the batched one
     * after it subscribes at its own reply (its Sync ends its request, as for any batch).
     */
    @Test
    void aFirstListenPipelinedBehindUnansweredRequestsTakesEffectAtItsOwnReply() throws Exception {
        JBouncerConfig trust = JBouncerConfig.trust(pg).set("pool_mode", "transaction");
        BOUNCERS.start(trust);
        try (RawConnection raw = WireMessages.login(trust.port(), PostgresCluster.TRUST_USER, PostgresCluster.DB);
                RawConnection notifier = WireMessages.login(trust.port(), PostgresCluster.TRUST_USER,
                        PostgresCluster.DB)) {
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            for (byte[] message : List.of(WireMessages.parse("", "SELECT pg_sleep(0.1)"), WireMessages.bind(""),
                    WireMessages.execute(), WireMessages.sync(), WireMessages.query("BEGIN"),
                    WireMessages.query("LISTEN rolled_back"), WireMessages.query("ROLLBACK"),
                    WireMessages.parse("", "LISTEN kept"), WireMessages.bind(""), WireMessages.execute(),
                    WireMessages.sync())) {
                pipeline.writeBytes(message);
            }
            raw.send(pipeline.toByteArray());
            assertEquals("1 2 D: C Z", WireMessages.replies(raw));
            assertEquals("C Z", WireMessages.replies(raw), "BEGIN");
            assertEquals("C Z", WireMessages.replies(raw), "LISTEN rolled_back");
            assertEquals("C Z", WireMessages.replies(raw), "ROLLBACK");
            assertEquals("1 2 C Z", WireMessages.replies(raw), "LISTEN kept");

            notifier.send(WireMessages.query("NOTIFY rolled_back, 'must not arrive'; NOTIFY kept, 'arrives'"));
            assertEquals("C C Z", WireMessages.replies(notifier));
            RawConnection.Message notification = raw.readMessage();
            assertEquals('A', notification.tag(), "the next message is a notification");
            ByteBuffer body = notification.buffer();
            body.getInt(); // the notifying backend's pid
            assertEquals("kept", cString(body), "of the kept channel only, the rolled-back one's went before it");
            assertEquals("arrives", cString(body));
        }
    }

    @Test
    void psycopgListenerReceivesEveryNotification() {
        Exec.Result outcome = DriverScripts.against(config.port(), role, DB).psycopg("psycopg_listen.py", "200");
        assertEquals("ok 200", outcome.output().strip(), outcome::output);
    }

    @Test
    void nodePostgresListenerReceivesEveryNotification() {
        Exec.Result outcome = DriverScripts.against(config.port(), role, DB).nodePg("node_pg_listen.js", "200");
        assertEquals("ok 200", outcome.output().strip(), outcome::output);
    }

    @Test
    void postgresRestartCostsANoticeNotTheSubscription() throws Exception {
        try (Connection listener = connect(); Connection notifier = connect()) {
            execute(listener, "LISTEN restart_channel");
            execute(notifier, "NOTIFY restart_channel, 'before'");
            assertEquals("before", collect(listener, 1).get(0).getParameter());

            pg.restart();

            PGConnection pgListener = listener.unwrap(PGConnection.class);
            List<PGNotification> after = new ArrayList<>();
            assertTrue(Poll.until(WAIT, () -> {
                try {
                    execute(notifier, "NOTIFY restart_channel, 'after'");
                    after.addAll(List.of(pgListener.getNotifications(200)));
                } catch (SQLException serverGoneMeanwhile) {
                    return false;
                }
                return !after.isEmpty();
            }), "notifications resume after the restart; log:\n" + bouncer.log());
            assertEquals("after", after.get(0).getParameter());
            SQLWarning notice = listener.getWarnings();
            assertNotNull(notice, "the client is told that notifications may have been missed");
            assertTrue(notice.getMessage().contains("notifications may have been missed"), notice.getMessage());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static Connection connect() throws SQLException {
        return role.connect(config.port(), DB);
    }

    private static Connection console() throws SQLException {
        return AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS);
    }

    private static long poolNumber(String column) throws SQLException {
        try (Connection console = console()) {
            return AdminConsole.number(console, "SHOW POOLS", "database", DB, column);
        }
    }

    /** Reads notifications until {@code count} arrived (fails after {@link #WAIT}). */
    private static List<PGNotification> collect(Connection c, int count) throws SQLException {
        PGConnection pgc = c.unwrap(PGConnection.class);
        List<PGNotification> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            got.addAll(List.of(pgc.getNotifications(500)));
        }
        assertEquals(count, got.size(), "notifications received");
        return got;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** A NUL-terminated UTF-8 string of a message body. */
    private static String cString(ByteBuffer body) {
        int start = body.position();
        while (body.get() != 0) {
            // up to the NUL
        }
        return new String(body.array(), body.arrayOffset() + start, body.position() - start - 1,
                StandardCharsets.UTF_8);
    }

    private static int intQuery(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
