package io.jbouncer.core;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The {@code logfile}, appended to one line per write. A write that fails (a full file system, a vanished disk)
 * must neither stop the pooler nor make it spin on retries or repeat a complaint per line: the first failure of
 * a run of failures is reported once on {@code stderr} (unless {@code -q}), the lines of that run are counted and
 * dropped, and the first line written after it is preceded by a line in the file saying how many were lost. (A
 * {@code PrintStream} would swallow the failure silently.)
 */
final class LogFile implements AutoCloseable {

    private final String path;
    private final OutputStream out;
    /** Renders a message as a WARNING line in the current format. */
    private final UnaryOperator<String> warning;
    private final Consumer<String> stderr;
    /** Lines dropped since the last successful write; 0 while writes succeed. */
    private long lost;

    LogFile(String path, OutputStream out, UnaryOperator<String> warning, Consumer<String> stderr) {
        this.path = path;
        this.out = out;
        this.warning = warning;
        this.stderr = stderr;
    }

    /** Opens {@code path} for appending. */
    static LogFile open(String path, UnaryOperator<String> warning, Consumer<String> stderr) throws IOException {
        return new LogFile(path, new FileOutputStream(path, true), warning, stderr);
    }

    /** Appends {@code line} and a newline; called under the logger's lock. */
    void append(String line) {
        try {
            if (lost > 0) {
                write(warning.apply("log file " + path + " was not writable: " + lost + " lines lost"));
                lost = 0;
            }
            write(line);
        } catch (IOException e) {
            if (lost++ == 0) {
                stderr.accept(warning.apply("cannot write to log file " + path + ": " + e.getMessage()
                        + "; going on, lines are dropped until it is writable again"));
            }
        }
    }

    private void write(String line) throws IOException {
        out.write((line + '\n').getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            stderr.accept(warning.apply("cannot close log file " + path + ": " + e.getMessage()));
        }
    }
}
