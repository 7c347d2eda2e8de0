package io.jbouncer.core;

import io.jbouncer.core.config.LogFormat;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;

/**
 * PgBouncer-compatible log lines (as PgBouncer 1.25): {@code YYYY-MM-DD HH:MM:SS.mmm TZ [pid] LEVEL message},
 * to stderr unless quiet, and appended to {@code logfile} when set. With {@code log_format = json} (a jbouncer
 * extension) each line is a JSON object instead; see {@link LogLine}. Syslog is not supported.
 *
 * <p>Thread-safe; a line is written with one call so lines never interleave. Messages must never contain
 * passwords: callers log user and database names only.
 */
public final class Log {
    /** Levels in PgBouncer's order; a message is written when its level is at or above the threshold. */
    public enum Level { NOISE, DEBUG, LOG, WARNING, ERROR, FATAL }

    private static final long PID = ProcessHandle.current().pid();

    private static volatile Level threshold = Level.LOG;
    private static volatile boolean quiet;
    private static volatile int commandLineVerbosity;
    private static volatile LogFormat lineFormat = LogFormat.TEXT;
    private static volatile PrintStream file;

    private Log() {
    }

    /** {@code -v} once: DEBUG, twice: NOISE. */
    public static void setVerbosity(int verbose) {
        commandLineVerbosity = verbose;
        threshold = threshold(verbose);
    }

    /**
     * The {@code verbose} setting (null = not set), which PgBouncer documents as the same as that many {@code -v}:
     * the higher of the two applies.
     */
    public static void setConfiguredVerbosity(Integer verbose) {
        threshold = threshold(Math.max(commandLineVerbosity, verbose == null ? 0 : verbose));
    }

    private static Level threshold(int verbose) {
        return verbose >= 2 ? Level.NOISE : verbose == 1 ? Level.DEBUG : Level.LOG;
    }

    /** {@code -q}: nothing on stderr; the logfile still gets every line. */
    public static void setQuiet(boolean value) {
        quiet = value;
    }

    /** {@code log_format}: applies to every line written after the call (at start and on each reload). */
    public static void setFormat(LogFormat value) {
        lineFormat = value;
    }

    /** Opens (or reopens, for log rotation) the log file; an empty name closes it. */
    public static synchronized void setLogFile(String path) throws IOException {
        PrintStream old = file;
        file = path == null || path.isEmpty()
                ? null
                : new PrintStream(new FileOutputStream(path, true), true, StandardCharsets.UTF_8);
        if (old != null) {
            old.close();
        }
    }

    public static boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    public static void noise(String format, Object... args) {
        write(Level.NOISE, format, args);
    }

    public static void debug(String format, Object... args) {
        write(Level.DEBUG, format, args);
    }

    public static void info(String format, Object... args) {
        write(Level.LOG, format, args);
    }

    public static void warning(String format, Object... args) {
        write(Level.WARNING, format, args);
    }

    public static void error(String format, Object... args) {
        write(Level.ERROR, format, args);
    }

    public static void fatal(String format, Object... args) {
        write(Level.FATAL, format, args);
    }

    private static void write(Level level, String format, Object... args) {
        if (!enabled(level)) {
            return;
        }
        String message = args.length == 0 ? format : String.format(format, args);
        String line = LogLine.render(lineFormat, ZonedDateTime.now(), PID, level, message);
        synchronized (Log.class) {
            if (!quiet) {
                System.err.println(line);
            }
            PrintStream out = file;
            if (out != null) {
                out.println(line);
            }
        }
    }
}
