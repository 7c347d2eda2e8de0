package io.jbouncer.it.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the test cluster's client programs ({@code pgbench}, {@code pg_basebackup}, {@code pg_receivewal},
 * {@code pg_recvlogical}, ...) to completion: {@code program [args]} with the password in {@code PGPASSWORD}, every
 * other inherited {@code PG*} variable removed, and stdout and stderr merged (a test wants both: the programs
 * print results on one and errors on the other).
 */
public final class PgTool {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Path binary;

    private PgTool(Path binary) {
        this.binary = binary;
    }

    /** {@code program} of {@code cluster}'s binaries. */
    public static PgTool of(PostgresCluster cluster, String program) {
        return new PgTool(cluster.binary(program));
    }

    /** What a finished program returned: its exit status and its merged output. */
    public record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code program args} ({@code password} may be {@code null}) and waits for it.
     *
     * @throws IllegalStateException if it runs longer than 120 s (it is killed first)
     */
    public Result run(String password, String... args) {
        Path output = null;
        try {
            output = Files.createTempFile("jbouncer-" + binary.getFileName(), ".out");
            Process process = start(password, output, args);
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException(binary.getFileName() + " did not finish within " + TIMEOUT + ":\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + binary.getFileName(), e);
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }

    /**
     * Starts {@code program args} writing its merged output to {@code output}, for a program that runs until it is
     * stopped (the caller destroys it).
     */
    public Process start(String password, Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        return builder.start();
    }
}
