package io.jbouncer.core;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.jbouncer.core.config.Config;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -d}/{@code --daemon}: PgBouncer forks into the background; a JVM cannot fork, so jbouncer starts itself
 * again, detached. The first process (the one an init script runs) starts the second in a session of its own
 * ({@code setsid}), relays what it prints while starting (so a bad configuration is reported on the terminal as
 * without {@code -d}), and exits 0 once the second one listens, with its pidfile written; if the second one fails
 * to start, the first exits with its status. The second process then points its standard streams at
 * {@code /dev/null} and logs to {@code logfile} only.
 *
 * <p>As in PgBouncer, {@code -d} needs a {@code pidfile} ("daemon needs pidfile configured") and a
 * {@code logfile} to log to ("daemon needs logging configured"; syslog, PgBouncer's alternative, is refused).
 */
final class Daemon {

    /** Set in the environment of the second process. */
    static final String CHILD_ENV = "JBOUNCER_DAEMON_CHILD";
    /** The line the second process prints once it serves; never shown to the user. */
    private static final String READY = "jbouncer daemon ready";

    private Daemon() {
    }

    /** Whether this process is the detached second one. */
    static boolean isChild() {
        return System.getenv(CHILD_ENV) != null;
    }

    /** The first process's refusal for {@code config}, or null when it can run in the background. */
    static String refusal(Config config) {
        if (config.pidfile() == null || config.pidfile().isEmpty()) {
            return "daemon needs pidfile configured";
        }
        if (config.logfile() == null || config.logfile().isEmpty()) {
            return "daemon needs logging configured";
        }
        return null;
    }

    /**
     * Starts the second process with the same command line {@code args} (it knows from {@link #CHILD_ENV} not to
     * start a third) and waits until it serves or fails. Returns the exit status for the first process.
     */
    static int startDetached(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("setsid"); // a session of its own: the terminal's hang-up and Ctrl-C no longer reach it
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        builder.environment().put(CHILD_ENV, "1");
        Process child = builder.start();
        boolean ready = false;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.equals(READY)) {
                    ready = true;
                } else {
                    System.err.println(line);
                }
            }
        }
        // The streams close when the second process detaches (ready) or exits (failed).
        return ready ? 0 : child.waitFor();
    }

    /**
     * In the second process, once it serves: tells the first one, then points standard input, output and error at
     * {@code /dev/null} (never closed, so no socket can take their numbers) and stops logging to stderr.
     */
    static void detach() {
        System.out.println(READY);
        System.out.flush();
        Log.setQuiet(true);
        try {
            LibC libc = Native.load("c", LibC.class);
            int devNull = libc.open("/dev/null", O_RDWR);
            if (devNull < 0) {
                Log.warning("daemon: cannot open /dev/null, standard streams stay as they are");
                return;
            }
            for (int fd = 0; fd <= 2; fd++) {
                libc.dup2(devNull, fd);
            }
            if (devNull > 2) {
                libc.close(devNull);
            }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            Log.warning("daemon: cannot redirect the standard streams: %s", e.getMessage());
        }
    }

    private static final int O_RDWR = 2;

    /** The libc calls that redirect a file descriptor. */
    private interface LibC extends Library {
        int open(String path, int flags);

        int dup2(int from, int to);

        int close(int fd);
    }
}
