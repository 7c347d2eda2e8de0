package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PgStatActivity;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.Postgres18;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.RawLogin;
import io.jbouncer.it.support.WireMessages;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Protocol 3.2 towards the server (issue 19, part 1), against a real PostgreSQL 18 (zonky's binaries, see
 * {@link Postgres18}): jbouncer's StartupMessage asks for 3.2, PostgreSQL 18 keeps it and sends a 36-byte
 * BackendKeyData, and a client's cancel is forwarded quoting that long key whole; PostgreSQL 18 ignores a cancel of
 * any other length, so 57014 proves the key was stored and sent as it came. Clients of either version are served
 * by such a server.
 */
class Protocol32ServerIT {

    private static final String USER = PostgresCluster.TRUST_USER;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static PostgresCluster pg18;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void start() {
        pg18 = PostgresCluster.startWith(Postgres18.binDir());
        config = JBouncerConfig.create()
                .set("auth_type", "trust")
                .database(PostgresCluster.DB, pg18.connstring(PostgresCluster.DB))
                .user(USER, "");
        bouncer = JBouncerProcess.start(config.write(), config.port(), "-v");
    }

    @AfterAll
    static void stop() {
        if (bouncer != null) {
            bouncer.close();
            assertFalse(bouncer.log().contains("LEAK:"), bouncer.log());
        }
        if (pg18 != null) {
            pg18.close();
        }
    }

    @ParameterizedTest(name = "client protocol 3.{0}")
    @ValueSource(ints = {0, 2})
    void serverKeeps32AndCancelsQuoteItsLongKey(int minor) {
        String sleep = "SELECT pg_sleep(30) /* PostgreSQL 18, client 3." + minor + " */";
        try (RawLogin login = RawLogin.of(config.port(), minor, "user", USER, "database", PostgresCluster.DB)) {
            assertEquals(minor == 2 ? 36 : 8, login.cancelKey().length);
            assertEquals("D:18", WireMessages.replies(sendQuery(login.connection(),
                    "SELECT current_setting('server_version_num')::int / 10000")).replace(" C Z", ""));
            assertTrue(bouncer.awaitLog("server speaks protocol 3.2, cancel key of 36 bytes", TIMEOUT),
                    bouncer::log);

            login.connection().send(WireMessages.query(sleep));
            assertTrue(Poll.until(TIMEOUT, () -> PgStatActivity.of(pg18).activeQueries(sleep) == 1), "not running");
            RawLogin.sendCancel(config.port(), login.cancelRequest());

            assertEquals("57014", errorCode(login.connection()));
            assertEquals("D:1 C Z", WireMessages.replies(sendQuery(login.connection(), "SELECT 1")));
        }
    }

    private static RawConnection sendQuery(RawConnection raw, String sql) {
        raw.send(WireMessages.query(sql));
        return raw;
    }

    private static String errorCode(RawConnection raw) {
        String code = null;
        while (true) {
            RawConnection.Message m = raw.readMessage();
            if (m.tag() == 'E') {
                code = m.fields().get('C');
            } else if (m.tag() == 'Z') {
                return code;
            }
        }
    }
}
