package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * jbouncer running as a separate process from the shaded jar, the way users run it:
 * {@code java -jar jbouncer.jar [args] pgbouncer.ini}. The jar's path comes from the system property
 * {@value #JAR_PROPERTY}, which Failsafe sets.
 *
 * <p>The process runs in the ini's directory with stdout and stderr appended to {@value #LOG_NAME} next to the ini,
 * and with paranoid Netty leak detection, so a test can assert that {@link #log()} has no {@code LEAK:} report. To
 * start cheaply it maps its classes from a {@link StartupArchive}.
 * A shutdown hook kills it if a test forgets to {@link #close()} it.
 */
public final class JBouncerProcess implements AutoCloseable {

    public static final String JAR_PROPERTY = "jbouncer.jar";
    private static final String LOG_NAME = "jbouncer-stdout.log";
    /**
     * Generous: a JVM with the TLS engine to load needs about 2.5 CPU-seconds to listen, and on a 2-core machine
     * shared with other builds (load 40 and more) that has taken longer than 30 s.
     */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(20);
    private static final int CONNECT_TIMEOUT_MILLIS = 200;
    private static final int SIGUSR1 = 10;

    private final Process process;
    private final Path logFile;
    private final Thread reaper;

    private JBouncerProcess(Process process, Path logFile) {
        this.process = process;
        this.logFile = logFile;
        this.reaper = new Thread(process::destroyForcibly, "jbouncer-reaper-" + process.pid());
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Starts jbouncer on {@code ini} and waits (up to 90 s, polling) until 127.0.0.1:{@code port} accepts TCP
     * connections.
     *
     * @param extraArgs command-line options placed before the ini path, for example {@code "-v"}
     * @throws IllegalStateException with the process log if it exits or does not listen in time
     */
    public static JBouncerProcess start(Path ini, int port, String... extraArgs) {
        return start(ini, port, List.of(), extraArgs);
    }

    /**
     * Like {@link #start(Path, int, String...)}, with {@code jvmOptions} (for example {@code -Xmx96m}) given to the
     * JVM after the harness's own, so they may override them.
     */
    public static JBouncerProcess start(Path ini, int port, List<String> jvmOptions, String... extraArgs) {
        List<String> command = javaCommand(jvmOptions);
        command.addAll(List.of(extraArgs));
        return launch(command, Map.of(), ini, port);
    }

    /**
     * Like {@link #start(Path, int, String...)}, started as {@code nohup jbouncer ... &} starts it: with SIGHUP
     * ignored, a disposition the JVM would otherwise keep.
     */
    public static JBouncerProcess startUnderNohup(Path ini, int port) {
        List<String> command = new ArrayList<>(List.of("nohup"));
        command.addAll(javaCommand(List.of()));
        return launch(command, Map.of(), ini, port);
    }

    /**
     * Like {@link #start(Path, int, String...)}, started as users start it: through the repository's
     * {@code bin/jbouncer} with its default JVM options, on the jar under test.
     */
    public static JBouncerProcess startThroughLauncher(Path ini, int port) {
        Path launcher = Path.of("..", "bin", "jbouncer").toAbsolutePath().normalize();
        return launch(new ArrayList<>(List.of(launcher.toString())), Map.of("JBOUNCER_JAR", jar().toString()),
                ini, port);
    }

    /**
     * Runs {@code docker/entrypoint.sh} with no arguments, as outside a container, with {@code environment} (its
     * configuration: {@code JBOUNCER_CONF_DIR}, {@code DATABASE_URL} ...) added, until jbouncer listens on
     * {@code port}. The log goes to {@code workDir}.
     */
    public static JBouncerProcess startEntrypoint(Path workDir, Map<String, String> environment, int port) {
        Path entrypoint = Path.of("..", "docker", "entrypoint.sh").toAbsolutePath().normalize();
        Map<String, String> env = new HashMap<>(environment);
        env.put("JBOUNCER_JAR", jar().toString());
        return launchIn(workDir, new ArrayList<>(List.of(entrypoint.toString())), env, port);
    }

    /** Runs {@code command} followed by the ini path, with {@code environment} added, until it listens. */
    private static JBouncerProcess launch(List<String> command, Map<String, String> environment, Path ini,
                                          int port) {
        command.add(ini.toAbsolutePath().toString());
        return launchIn(ini.toAbsolutePath().getParent(), command, environment, port);
    }

    /** Runs {@code command} in {@code dir} (where the log goes), with {@code environment} added, until it listens. */
    private static JBouncerProcess launchIn(Path dir, List<String> command, Map<String, String> environment,
                                            int port) {
        Path logFile = dir.resolve(LOG_NAME);
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            process = builder
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        JBouncerProcess started = new JBouncerProcess(process, logFile);
        try {
            if (!Poll.until(READY_TIMEOUT, () -> started.acceptsConnections(port))) {
                throw new IllegalStateException("jbouncer did not accept connections on port " + port + " within "
                        + READY_TIMEOUT + "; log:\n" + started.log());
            }
        } catch (RuntimeException e) {
            started.stopAndWait();
            throw e;
        }
        return started;
    }

    /**
     * Runs jbouncer with {@code args} in {@code workDir} to completion, for command lines that make it exit
     * (such as {@code -V}, or a broken config); stdout and stderr are merged.
     *
     * @throws IllegalStateException if it is still running after 20 s (it is killed first)
     */
    public static Exited run(Path workDir, String... args) {
        return run(workDir, List.of(), args);
    }

    /** Like {@link #run(Path, String...)}, with {@code jvmOptions} given to the JVM after the harness's own. */
    public static Exited run(Path workDir, List<String> jvmOptions, String... args) {
        List<String> command = javaCommand(jvmOptions);
        command.addAll(List.of(args));
        Exec.Result result = Exec.run(workDir, RUN_TIMEOUT, command);
        return new Exited(result.exitCode(), result.output());
    }

    /** How a jbouncer started by {@link #run} ended: its exit status and everything it printed. */
    public record Exited(int exitCode, String output) {
    }

    private static List<String> javaCommand(List<String> jvmOptions) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Dio.netty.leakDetection.level=paranoid"));
        command.addAll(StartupArchive.jvmOptions(java, jar()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar().toString()));
        return command;
    }

    private static Path jar() {
        String jar = System.getProperty(JAR_PROPERTY);
        if (jar == null) {
            throw new IllegalStateException("system property " + JAR_PROPERTY
                    + " is not set; run integration tests with `mvn verify` (Failsafe sets it)");
        }
        Path path = Path.of(jar);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " does not exist; `mvn verify` builds it in the package phase");
        }
        return path;
    }

    private boolean acceptsConnections(int port) {
        if (!process.isAlive()) {
            throw new IllegalStateException("jbouncer exited with code " + process.exitValue()
                    + " before accepting connections; log:\n" + log());
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The operating-system process id. */
    public int pid() {
        return Math.toIntExact(process.pid());
    }

    /**
     * The process's resident set size ({@code VmRSS} of {@code /proc/<pid>/status}) in bytes: what it really holds
     * in memory, heap and direct buffers alike.
     */
    public long residentSetBytes() {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + status + " (has jbouncer exited?)", e);
        }
        throw new IllegalStateException(status + " has no VmRSS line");
    }

    /** Polls this jbouncer's log until it contains {@code text}; returns whether it did within {@code timeout}. */
    public boolean awaitLog(String text, Duration timeout) {
        return Poll.until(timeout, () -> log().contains(text));
    }

    /** Everything the process wrote to stdout and stderr so far. */
    public String log() {
        try {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + logFile, e);
        }
    }

    /** Sends a signal with {@code kill -<sig> <pid>}; {@code sig} is a name such as {@code HUP} or {@code INT}. */
    public void signal(String sig) {
        Exec.check(logFile.getParent(), SIGNAL_TIMEOUT, List.of("kill", "-" + sig, Long.toString(process.pid())));
    }

    /**
     * Waits (up to 10 s) until the process catches SIGUSR1, read from {@code SigCgt} in {@code /proc/<pid>/status}.
     * The JVM itself does not catch SIGUSR1, so once it is caught jbouncer's signal handlers are in place; a signal
     * sent earlier may meet the JVM's default action instead (HUP, TERM and USR1 would end the process).
     *
     * @throws IllegalStateException with the log if the handlers do not appear in time
     */
    public void awaitSignalHandlers() {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        long usr1 = 1L << (SIGUSR1 - 1);
        boolean caught = Poll.until(SIGNAL_TIMEOUT, () -> {
            try {
                return Files.readAllLines(status, StandardCharsets.UTF_8).stream()
                        .filter(line -> line.startsWith("SigCgt:"))
                        .anyMatch(line -> (Long.parseUnsignedLong(line.substring(7).strip(), 16) & usr1) != 0);
            } catch (IOException exited) {
                throw new IllegalStateException("jbouncer exited before installing its signal handlers; log:\n"
                        + log(), exited);
            }
        });
        if (!caught) {
            throw new IllegalStateException("jbouncer does not catch SIGUSR1 after " + SIGNAL_TIMEOUT + "; log:\n"
                    + log());
        }
    }

    /** Waits up to {@code timeout} for the process to exit, for example after {@code signal("INT")}. */
    public OptionalInt awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    ? OptionalInt.of(process.exitValue())
                    : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for jbouncer to exit", e);
        }
    }

    /**
     * Sends SIGTERM, waits up to 10 s, then kills the process forcibly if it is still running.
     *
     * @return the exit code (137 or similar if it had to be killed); also when it had already exited
     */
    public int stopAndWait() {
        process.destroy(); // SIGTERM on Unix
        OptionalInt code = awaitExit(STOP_TIMEOUT);
        if (code.isEmpty()) {
            process.destroyForcibly();
            code = awaitExit(STOP_TIMEOUT);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to; nothing left to unregister
        }
        return code.orElseThrow(() -> new IllegalStateException("jbouncer pid " + pid() + " survived SIGKILL"));
    }

    /** Stops the process if it is still running ({@link #stopAndWait()}). */
    @Override
    public void close() {
        stopAndWait();
    }
}
