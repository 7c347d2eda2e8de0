package io.jbouncer.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * PgBouncer's pidfile (PgBouncer 1.25 src/main.c): {@code <pid>\n}, created exclusively; start is refused while another
 * live process holds it; a stale one (its process gone) is replaced; removed at exit.
 */
final class PidFile {
    private final Path path;

    private PidFile(Path path) {
        this.path = path;
    }

    /**
     * Creates the pidfile for this process.
     *
     * @throws IOException with PgBouncer's text when another instance runs, or when the file cannot be written
     */
    static PidFile create(Path path) throws IOException {
        byte[] content = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            Files.write(path, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            if (holderAlive(path)) {
                throw new IOException("pidfile '" + path + "' exists, another instance running?", e);
            }
            Log.info("removing stale pidfile %s", path);
            Files.delete(path);
            Files.write(path, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        return new PidFile(path);
    }

    void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Log.warning("could not remove pidfile %s: %s", path, e.getMessage());
        }
    }

    private static boolean holderAlive(Path path) {
        try {
            long pid = Long.parseLong(Files.readString(path, StandardCharsets.US_ASCII).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false; // unreadable or garbage: treat as stale, as PgBouncer does
        }
    }
}
