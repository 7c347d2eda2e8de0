package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.ConcurrentClients;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Pgbench;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.RawConnection;
import io.jbouncer.it.support.TestRole;
import io.jbouncer.it.support.WireMessages;
import io.jbouncer.protocol.Mutations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The network fuzzer (docs/reliability.md): for {@code -Djbouncer.fuzz.seconds} (5 by default, the CI run),
 * four threads open connection after connection to a running jbouncer and send damaged valid sessions (startup,
 * SSLRequest, cancel, password, SCRAM, queries, extended protocol, console commands) while pgbench runs beside them
 * on the same jbouncer. pgbench must see no failed transaction, the process must stay up, and its descriptors and
 * resident memory must come back down once the fuzzer stops. Run it longer with, for example,
 * {@code -Dit.test=NetworkFuzzIT -Djbouncer.fuzz.seconds=600}.
 */
class NetworkFuzzIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final String DB = "fuzzbench";
    private static final int FUZZERS = 4;
    /** Damaged sessions drawn before the run and sent in turn. */
    private static final int DISTINCT_INPUTS = 5_000;
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole role;

    @BeforeAll
    static void database() throws SQLException {
        role = TestRole.create(pg, "fuzz_user");
        Pgbench.of(pg).createDatabase(role, DB);
    }

    @Test
    void mutatedSessionsBesidePgbench() throws Exception {
        int seconds = Integer.getInteger("jbouncer.fuzz.seconds", 5);
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("max_client_conn", "500")
                .set("admin_users", role.name())
                .database(DB, pg.connstring(DB) + " pool_size=5")
                .user(role.name(), role.password());
        // bin/jbouncer's small-heap collector settings: the heap cannot grow into the resident-set bound below, so
        // the bound measures native and direct memory, where a leak of buffers or sockets would show.
        JBouncerProcess bouncer = BOUNCERS.start(config, List.of("-XX:+UseSerialGC", "-Xmx128m", "-Xmn8m"));
        // Drawn up front: jqwik's sample streams are not made to be drawn from several threads.
        List<byte[]> inputs = Mutations.mutated(corpus(config.port())).sampleStream().limit(DISTINCT_INPUTS).toList();
        int descriptorsBefore = descriptors(bouncer);
        long rssBefore = bouncer.residentSetBytes();

        CompletableFuture<Pgbench.Result> bench = CompletableFuture.supplyAsync(() -> Pgbench.of(pg).run(
                role.password(), "-n", "-S", "-c", "8", "-j", "2", "-T", Integer.toString(seconds + 2),
                "-h", "127.0.0.1", "-p", Integer.toString(config.port()), "-U", role.name(), DB));
        AtomicLong sessions = new AtomicLong();
        AtomicLong peakDescriptors = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ConcurrentClients.run(FUZZERS, Duration.ofSeconds(seconds + 60L), fuzzer -> {
            for (int i = fuzzer; System.nanoTime() < deadline; i += FUZZERS) {
                send(config.port(), inputs.get(i % inputs.size()));
                if (sessions.incrementAndGet() % 200 == 0) {
                    peakDescriptors.accumulateAndGet(descriptors(bouncer), Math::max);
                }
            }
            return null;
        });
        Pgbench.Result result = bench.get(120, TimeUnit.SECONDS);

        System.out.printf("network fuzzer: %d sessions in %d s, peak descriptors %d (before %d)%n",
                sessions.get(), seconds, peakDescriptors.get(), descriptorsBefore);
        assertEquals(0, result.exitCode(), result::output);
        Matcher failed = FAILED.matcher(result.output());
        assertTrue(failed.find(), result::output);
        assertEquals("0", failed.group(1), result::output);
        Matcher processed = PROCESSED.matcher(result.output());
        assertTrue(processed.find() && Long.parseLong(processed.group(1)) > 0, result::output);
        assertFalse(result.output().contains("aborted"), result::output);
        assertTrue(sessions.get() > 50, "the fuzzer sent only " + sessions.get() + " sessions");
        assertTrue(bouncer.awaitExit(Duration.ZERO).isEmpty(), "jbouncer exited:\n" + bouncer.log());
        assertTrue(Poll.until(Duration.ofSeconds(10), () -> descriptors(bouncer) <= descriptorsBefore + 10),
                "descriptors did not come back: " + descriptors(bouncer) + " (before " + descriptorsBefore + ")");
        long rssGrowth = bouncer.residentSetBytes() - rssBefore;
        assertTrue(rssGrowth < 256L << 20, "resident set grew by " + (rssGrowth >> 20) + " MB");
    }

    /** Valid sessions to damage: every kind of first packet, logins, queries, console commands. */
    private static byte[][] corpus(int port) {
        byte[] startup = RawConnection.startupMessage(3, 0, "user", role.name(), "database", DB);
        byte[] console = RawConnection.startupMessage(3, 0, "user", role.name(), "database", "pgbouncer");
        byte[] password = WireMessages.message('p', "md5" + "0".repeat(32));
        byte[] sasl = WireMessages.saslInitialResponse("n,,n=,r=abcdefghijklmnopqr");
        byte[] extended = WireMessages.concat(WireMessages.parse("s", "SELECT $1"), WireMessages.bind("s"),
                WireMessages.execute(), WireMessages.sync());
        return new byte[][] {
            WireMessages.concat(startup, password, WireMessages.query("SELECT 1"), WireMessages.message('X')),
            WireMessages.concat(startup, sasl, extended),
            WireMessages.concat(console, password, WireMessages.query("SHOW POOLS; PAUSE; RESUME")),
            WireMessages.concat(RawConnection.startupPacket(RawConnection.SSL_REQUEST, new byte[0]), startup),
            WireMessages.concat(RawConnection.startupPacket(RawConnection.GSSENC_REQUEST, new byte[0]), console),
            RawConnection.startupPacket(RawConnection.CANCEL_REQUEST,
                    ByteBuffer.allocate(8).putInt(port).putInt(42).array()),
            RawConnection.startupMessage(3, 2, "user", role.name(), "_pq_.x", "y", "options", "-c a=b"),
        };
    }

    /** One session: connect, send, read what comes for a moment, close (half the time by reset). */
    private static void send(int port, byte[] bytes) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(50);
            socket.getOutputStream().write(bytes);
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            try {
                while (in.read(sink) >= 0) {
                    // drain until the pooler closes or goes quiet
                }
            } catch (SocketTimeoutException quiet) {
                socket.setSoLinger(bytes.length % 2 == 0, 0);
            }
        } catch (IOException closedOnUs) {
            // a reset from the pooler is one of the answers to a damaged session
        }
    }

    private static int descriptors(JBouncerProcess bouncer) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Integer.toString(bouncer.pid()), "fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
