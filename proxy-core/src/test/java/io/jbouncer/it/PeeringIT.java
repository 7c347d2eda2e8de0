package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Jdbc;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.RawLogin;
import io.jbouncer.it.support.WireMessages;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Peering (issue 20, section 4): three jbouncer processes share one TCP port with {@code so_reuseport}, each with its
 * own {@code peer_id} and Unix socket, and list each other in {@code [peers]} by those sockets. A client's cancel
 * key says which process it is on; a CancelRequest that lands on another one is forwarded to the owner, which
 * cancels the query on the real PostgreSQL (57014). Deterministic: the query's process is read from its key, and the
 * cancel is sent to a chosen other process over its Unix socket. The rolling restart runs last: it stops one of them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PeeringIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String USER = PostgresCluster.TRUST_USER;
    private static final int INSTANCES = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** A JVM starting on a loaded 2-core machine may take a while before it listens. */
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final String ADMIN = "peering_admin";
    private static final int CONNECTIONS_AFTER_SIGTERM = 15;

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static final List<JBouncerConfig> configs = new ArrayList<>();
    /** The processes by peer id - 1. */
    private static final List<JBouncerProcess> bouncers = new ArrayList<>();
    private static int port;

    @BeforeAll
    static void start() {
        for (int id = 1; id <= INSTANCES; id++) {
            configs.add(config(id));
        }
        port = configs.get(0).port();
        for (JBouncerConfig config : configs) {
            for (int id = 1; id <= INSTANCES; id++) {
                config.peer(id, "host=" + configs.get(id - 1).dir() + " port=" + port);
            }
            JBouncerProcess bouncer = BOUNCERS.start(config, "-v");
            bouncers.add(bouncer);
            assertTrue(bouncer.awaitLog("listening on unix:", STARTUP), bouncer::log);
        }
    }

    private static JBouncerConfig config(int peerId) {
        return JBouncerConfig.trust(pg)
                .set("so_reuseport", "1")
                .set("peer_id", Integer.toString(peerId))
                .set("admin_users", ADMIN)
                .user(ADMIN, "")
                .set("listen_port", Integer.toString(configs.isEmpty() ? FreePort.find() : configs.get(0).port()));
    }

    private static RawLogin login(int minor) {
        return RawLogin.trusted(port, minor);
    }

    /** The peer id in bytes 1-2 of a key (PgBouncer's layout): which process the client is on. */
    private static int ownerOf(byte[] key) {
        return (key[1] & 0xFF) | (key[2] & 0xFF) << 8;
    }

    /**
     * For keys of both lengths, and for each of the other two processes as the receiver: the cancel is forwarded
     * to the owner and the query ends with 57014.
     */
    @ParameterizedTest(name = "protocol 3.{0}")
    @ValueSource(ints = {0, 2})
    void cancelLandingOnAnotherProcessIsForwardedToTheOwner(int minor) {
        for (int hop = 1; hop < INSTANCES; hop++) {
            String sleep = "SELECT pg_sleep(30) /* peering 3." + minor + " hop " + hop + " */";
            try (RawLogin login = login(minor)) {
                int owner = ownerOf(login.cancelKey());
                assertTrue(owner >= 1 && owner <= INSTANCES, "peer id " + owner + " in the key");
                int receiver = (owner - 1 + hop) % INSTANCES + 1;
                login.startRunning(pg, sleep);

                RawLogin.sendCancelOverUnixSocket(configs.get(receiver - 1).unixSocket(), login.cancelRequest());

                assertEquals("57014", login.errorCode(), "cancel sent to " + receiver + " for " + owner);
                // the receiver made a pool for the owner; its forward ends once the owner has closed the connection
                assertTrue(Poll.until(TIMEOUT, () -> peerPools(receiver).contains(owner + "|0|0|0|0")),
                        () -> peerPools(receiver));
            }
        }
    }

    /**
     * SHOW PEER_POOLS of process {@code id}, asked over its own Unix socket with psql, unaligned: one
     * {@code peer_id|cl_active_cancel_req|cl_waiting_cancel_req|sv_active_cancel|sv_login} line per peer pool.
     */
    private static String peerPools(int id) {
        Psql.Result result = Psql.of(pg).run("host=" + configs.get(id - 1).dir() + " port=" + port
                + " dbname=pgbouncer user=" + ADMIN, null, "-A", "-t", "-c", "SHOW PEER_POOLS");
        assertEquals(0, result.exitCode(), result.stderr());
        return result.stdout();
    }

    /** Through the shared port the cancel lands on any process, and always reaches its query. */
    @Test
    void cancelThroughTheSharedPortAlwaysArrives() {
        for (int i = 0; i < INSTANCES; i++) {
            String sleep = "SELECT pg_sleep(30) /* shared port " + i + " */";
            try (RawLogin login = login(0)) {
                login.startRunning(pg, sleep);

                RawLogin.sendCancel(port, login.cancelRequest());

                assertEquals("57014", login.errorCode());
            }
        }
    }

    /** A key whose TTL is spent (low 2 bits of byte 7 = 0) is not forwarded again: the query runs to its end. */
    @Test
    void spentTtlIsDropped() {
        String sleep = "SELECT pg_sleep(1.5) /* ttl spent */";
        try (RawLogin login = login(0)) {
            byte[] spent = login.cancelKey().clone();
            spent[7] &= ~0x03;
            int receiver = ownerOf(spent) % INSTANCES + 1;
            login.startRunning(pg, sleep);

            RawLogin.sendCancelOverUnixSocket(configs.get(receiver - 1).unixSocket(),
                    RawConnection.startupPacket(RawConnection.CANCEL_REQUEST, spent));

            assertEquals("D: C Z", WireMessages.replies(login.connection()), "pg_sleep ran to its end");
        }
    }

    /** SHOW PEERS lists the [peers] section by id with the effective pool_size (default_pool_size, 20). */
    @Test
    void showPeersListsTheSection() throws SQLException {
        try (Connection console = AdminConsole.connect(port, ADMIN, "")) {
            List<Map<String, String>> rows = AdminConsole.rows(console, "SHOW PEERS");
            assertEquals(INSTANCES, rows.size(), rows::toString);
            for (int id = 1; id <= INSTANCES; id++) {
                Map<String, String> row = rows.get(id - 1);
                assertEquals(Integer.toString(id), row.get("peer_id"));
                assertEquals(configs.get(id - 1).dir().toString(), row.get("host"));
                assertEquals(Integer.toString(port), row.get("port"));
                assertEquals("20", row.get("pool_size"));
            }
        }
    }

    /**
     * Rolling restart: SIGTERM the process a client holds a transaction on, while clients keep connecting through
     * the shared port, one transaction per connection. The stopping process closes its TCP listener at once and
     * finishes the session it still has; every new connection lands on the others, and no client sees an error.
     * Last, since it stops one of the class's processes.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void rollingRestartWithSigtermCostsClientsNothing() throws Exception {
        JBouncerProcess stopping;
        try (RawLogin held = login(0)) {
            stopping = bouncers.get(ownerOf(held.cancelKey()) - 1);
            assertEquals("C Z", held.query("BEGIN"));

            stopping.signal("TERM");
            assertTrue(stopping.awaitLog("TCP listeners closed", TIMEOUT), stopping::log);
            int served = 0;
            for (int i = 0; i < CONNECTIONS_AFTER_SIGTERM; i++) {
                try (Connection c = Jdbc.connect("127.0.0.1", port, PostgresCluster.DB, USER, null);
                     Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    try (ResultSet rs = st.executeQuery("SELECT 1")) {
                        rs.next();
                        served += rs.getInt(1);
                    }
                    c.commit();
                }
            }
            assertEquals(CONNECTIONS_AFTER_SIGTERM, served);
            assertTrue(stopping.awaitExit(Duration.ofMillis(200)).isEmpty(), "it waits for its client");

            assertEquals("D:1 C C Z", held.query("SELECT 1; COMMIT"), "the held session finishes");
        }
        assertEquals(OptionalInt.of(0), stopping.awaitExit(TIMEOUT), stopping::log);
    }
}
