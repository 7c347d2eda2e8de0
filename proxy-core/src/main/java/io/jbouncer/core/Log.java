package io.jbouncer.core;

import io.jbouncer.core.config.LogFormat;
import java.io.IOException;
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
    private static volatile LogFile file;

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

    /**
     * Opens (or reopens, for log rotation) the log file; an empty name closes it. A failing write to it is said
     * once on stderr, not per line (see {@link LogFile}).
     */
    public static void setLogFile(String path) throws IOException {
        LogFile opened = path == null || path.isEmpty() ? null : LogFile.open(path, Log::warningLine, Log::toStderr);
        LogFile old;
        synchronized (Log.class) {
            old = file;
            file = opened;
        }
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
            toStderr(line);
            LogFile out = file;
            if (out != null) {
                out.append(line);
            }
        }
    }

    private static String warningLine(String message) {
        return LogLine.render(lineFormat, ZonedDateTime.now(), PID, Level.WARNING, message);
    }

    private static void toStderr(String line) {
        if (!quiet) {
            System.err.println(line);
        }
    }
}
