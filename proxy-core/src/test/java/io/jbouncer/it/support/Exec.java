package io.jbouncer.it.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs short-lived helper commands ({@code initdb}, {@code pg_ctl}, {@code kill} ...) to completion.
 *
 * <p>Output (stdout and stderr merged) goes to a temporary file rather than a pipe, so a chatty command can never
 * block on a full pipe and a daemon it forks can never hold our read end open.
 */
public final class Exec {

    private Exec() {
    }

    /** What a finished command returned. */
    public record Result(int exitCode, String output) {

        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /**
     * Runs {@code command} in {@code workDir} and waits for it.
     *
     * @throws IllegalStateException if it does not finish within {@code timeout} (it is killed first)
     */
    public static Result run(Path workDir, Duration timeout, List<String> command) {
        return run(workDir, timeout, command, inherited -> { });
    }

    /**
     * Like {@link #run}, for a libpq client: every inherited {@code PG*} variable is removed, so the environment
     * cannot change what it connects to, and {@code libpq} ({@code PGHOST} ...) is added.
     */
    static Result runLibpqClient(Path workDir, Duration timeout, List<String> command, Map<String, String> libpq) {
        return run(workDir, timeout, command, environment -> {
            environment.keySet().removeIf(name -> name.startsWith("PG"));
            environment.putAll(libpq);
        });
    }

    private static Result run(Path workDir, Duration timeout, List<String> command,
                              Consumer<Map<String, String>> environment) {
        Path output = null;
        try {
            output = Files.createTempFile("jbouncer-exec", ".out");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            environment.accept(builder.environment());
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", command)
                        + "\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(output);
        }
    }

    /** Like {@link #run} but fails, with the command's output, unless it exits with status 0. */
    public static String check(Path workDir, Duration timeout, List<String> command) {
        Result result = run(workDir, timeout, command);
        if (!result.succeeded()) {
            throw new IllegalStateException("exit code " + result.exitCode() + ": " + String.join(" ", command)
                    + "\n" + result.output());
        }
        return result.output();
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover file in the temp dir is harmless; the command's outcome matters more
        }
    }
}
