package io.jbouncer.core.ops;

import io.jbouncer.core.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Asks a running jbouncer to reload by sending SIGHUP to the process named in the config's {@code pidfile} (a path
 * relative to the working directory, as PgBouncer reads it). Java has no API for sending a signal, so this runs
 * {@code kill -HUP <pid>}.
 */
final class Reload {

    private static final long KILL_TIMEOUT_SECONDS = 10;

    private Reload() {
    }

    /**
     * Signals the jbouncer of {@code config}; returns what happened, for the operator.
     *
     * @throws IOException if the pidfile cannot be read or holds no pid, or {@code kill} fails (for example for lack
     *     of permission); not when there is no pidfile or its process has gone, which only means nothing runs
     */
    static String send(Config config) throws IOException {
        String pidfile = config.pidfile();
        if (pidfile == null || pidfile.isEmpty()) {
            return "no pidfile configured in " + config.file() + ", so no reload was sent; reload with"
                    + " kill -HUP <pid> or the admin console command RELOAD";
        }
        String content;
        try {
            content = Files.readString(Path.of(pidfile), StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return "pidfile " + pidfile + " does not exist (jbouncer not running?), so no reload was sent";
        }
        long pid;
        try {
            pid = Long.parseLong(content);
        } catch (NumberFormatException e) {
            throw new IOException("pidfile " + pidfile + " does not hold a process id: \"" + content + "\"");
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return "process " + pid + " of pidfile " + pidfile + " is not running, so no reload was sent";
        }
        kill(pid);
        return "sent SIGHUP to jbouncer (pid " + pid + ")";
    }

    private static void kill(long pid) throws IOException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).redirectErrorStream(true).start();
        try {
            kill.getOutputStream().close();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!kill.waitFor(KILL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IOException("kill -HUP " + pid + " did not finish");
            }
            if (kill.exitValue() != 0) {
                throw new IOException("kill -HUP " + pid + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending SIGHUP to " + pid, e);
        }
    }
}
