package io.jbouncer.bench;

import io.jbouncer.protocol.auth.ScramClient;
import io.jbouncer.protocol.auth.ScramException;
import io.jbouncer.protocol.auth.ScramServer;
import io.jbouncer.protocol.auth.StoredSecret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One complete SCRAM-SHA-256 exchange between {@link ScramClient} and {@link ScramServer}, the CPU cost of a
 * {@code auth_type = scram-sha-256} login (PostgreSQL's default 4096 iterations).
 *
 * <ul>
 *   <li>{@code withPassword}: the client knows the password, so it runs PBKDF2 (4096 HMACs) and the server checks
 *       the proof against a stored SCRAM secret. This is a real client's login to the pooler, both sides counted;
 *       the pooler's own share is {@code withClientKey}.</li>
 *   <li>{@code withClientKey}: the client already holds the ClientKey, as jbouncer does when it logs in to
 *       PostgreSQL by SCRAM pass-through; no PBKDF2 anywhere, only the per-exchange HMACs and hashes.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ScramBench {

    private static final String PASSWORD = "bench-password";
    private static final int ITERATIONS = 4096;

    private final SecureRandom random = new SecureRandom();
    private StoredSecret.Scram secret;
    private byte[] clientKey;

    @Setup
    public void setUp() throws ScramException {
        secret = StoredSecret.Scram.fromPassword(PASSWORD, "bench-salt-16byt".getBytes(StandardCharsets.US_ASCII),
                ITERATIONS);
        ScramServer server = exchange(new ScramClient(PASSWORD, random));
        clientKey = server.clientKey();
    }

    @Benchmark
    public ScramServer withPassword() throws ScramException {
        return exchange(new ScramClient(PASSWORD, random));
    }

    @Benchmark
    public ScramServer withClientKey() throws ScramException {
        return exchange(ScramClient.forPassThrough(secret, clientKey, random));
    }

    /** Runs the four messages of the exchange; throws if either side rejects the other. */
    private ScramServer exchange(ScramClient client) throws ScramException {
        ScramServer server = ScramServer.forSecret(secret, ITERATIONS, random);
        String serverFirst = server.handleClientFirst(client.clientFirstMessage());
        String serverFinal = server.handleClientFinal(client.handleServerFirst(serverFirst));
        client.verifyServerFinal(serverFinal);
        return server;
    }
}
