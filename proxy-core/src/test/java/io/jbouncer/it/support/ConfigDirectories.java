package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The temporary directories of {@link JBouncerConfig}s (ini, userlist, Unix socket, jbouncer's log), recorded as
 * they are made so that {@link BouncerExtension} can delete an IT class's directories once the class is done. The
 * ITs run one class at a time in one JVM (Failsafe's default; nothing configures parallel execution), so the
 * directories made since the last {@link #takeMade()} are those of the class running now: every IT class that
 * makes configurations registers a {@link BouncerExtension}, since that is how it starts and stops jbouncer.
 */
final class ConfigDirectories {

    private static final String PREFIX = "jbouncer-it-";
    private static final List<Path> made = new ArrayList<>();

    private ConfigDirectories() {
    }

    /** A new empty directory under the system temp dir, recorded for the next {@link #takeMade()}. */
    static synchronized Path make() {
        try {
            Path dir = Files.createTempDirectory(PREFIX);
            made.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a config directory", e);
        }
    }

    /** The directories made since the previous call, oldest first; the record starts afresh. */
    static synchronized List<Path> takeMade() {
        List<Path> taken = List.copyOf(made);
        made.clear();
        return taken;
    }
}
