package io.jbouncer.it.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code psql} of the test cluster's binaries against a libpq connection string, the way a user
 * would: {@code psql -X -d <connstring> [args]}, with the password in {@code PGPASSWORD} and every other inherited
 * {@code PG*} variable removed so the environment cannot change what is tested.
 */
public final class Psql {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Path binary;

    private Psql(Path binary) {
        this.binary = binary;
    }

    /** The {@code psql} that belongs to {@code cluster}'s server binaries. */
    public static Psql of(PostgresCluster cluster) {
        return new Psql(cluster.binary("psql"));
    }

    /** What a finished psql returned: exit status (0 ok, 1 a statement failed, 2 connection lost), stdout, stderr. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** What a psql whose output was only counted returned: exit status, bytes on stdout, stderr. */
    public record Counted(int exitCode, long stdoutBytes, String stderr) {
    }

    /**
     * A process builder for psql on {@code connstring} ({@code password} may be {@code null}), stdin from
     * {@code /dev/null}; the caller may redirect it and must destroy the process it starts.
     */
    public ProcessBuilder processBuilder(String connstring, String password, String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-X", "-d", connstring));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().put("PGCONNECT_TIMEOUT", "10");
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        return builder;
    }

    /** Runs psql to completion and returns its exit status and output. */
    public Result run(String connstring, String password, String... args) {
        Path stdout = tempFile();
        Path stderr = tempFile();
        try {
            Process process = processBuilder(connstring, password, args)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            int exitCode = awaitExit(process);
            return new Result(exitCode, Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run psql", e);
        } finally {
            delete(stdout);
            delete(stderr);
        }
    }

    /** Runs psql to completion while counting, not keeping, what it writes on stdout (for huge results). */
    public Counted countOutput(String connstring, String password, String... args) {
        Path stderr = tempFile();
        try {
            Process process = processBuilder(connstring, password, args).redirectError(stderr.toFile()).start();
            long bytes = 0;
            byte[] chunk = new byte[64 * 1024];
            try (InputStream out = process.getInputStream()) {
                for (int n = out.read(chunk); n >= 0; n = out.read(chunk)) {
                    bytes += n;
                }
            }
            int exitCode = awaitExit(process);
            return new Counted(exitCode, bytes, Files.readString(stderr, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run psql", e);
        } finally {
            delete(stderr);
        }
    }

    private static int awaitExit(Process process) {
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("psql did not finish within " + TIMEOUT);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for psql", e);
        }
    }

    private static Path tempFile() {
        try {
            return Files.createTempFile("jbouncer-psql", ".out");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp file", e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temp file is harmless
        }
    }
}
