package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Postgres18;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawLogin;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
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

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static PostgresCluster pg18;
    private static JBouncerConfig config;
    private static JBouncerProcess bouncer;

    @BeforeAll
    static void start() {
        pg18 = BOUNCERS.closeAfterBouncers(PostgresCluster.startWith(Postgres18.binDir()));
        config = JBouncerConfig.trust(pg18);
        bouncer = BOUNCERS.start(config, "-v");
    }

    @ParameterizedTest(name = "client protocol 3.{0}")
    @ValueSource(ints = {0, 2})
    void serverKeeps32AndCancelsQuoteItsLongKey(int minor) {
        String sleep = "SELECT pg_sleep(30) /* PostgreSQL 18, client 3." + minor + " */";
        try (RawLogin login = RawLogin.trusted(config.port(), minor)) {
            assertEquals(minor == 2 ? 36 : 8, login.cancelKey().length);
            assertEquals("D:18 C Z", login.query("SELECT current_setting('server_version_num')::int / 10000"));
            assertTrue(bouncer.awaitLog("server speaks protocol 3.2, cancel key of 36 bytes", TIMEOUT),
                    bouncer::log);

            login.startRunning(pg18, sleep);
            RawLogin.sendCancel(config.port(), login.cancelRequest());

            assertEquals("57014", login.errorCode());
            assertEquals("D:1 C Z", login.query("SELECT 1"));
        }
    }
}
