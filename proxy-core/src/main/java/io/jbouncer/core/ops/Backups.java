package io.jbouncer.core.ops;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Timestamped copies {@code <file>.backup.<epoch millis>} made before a file is replaced, of which the newest
 * {@value #KEEP} are kept. Callers hold the file's edit lock, so stamps are unique and increasing: a stamp that is
 * taken already, or lies before the newest one (the clock went back), is moved past it.
 */
final class Backups {

    /** How many backups of a file are kept. */
    static final int KEEP = 10;

    private Backups() {
    }

    /**
     * Makes a new backup of {@code file} and returns its path. The backup is a hard link to the current file, which
     * the caller is about to replace by renaming another file over it, so the old content stays intact under the
     * backup's name without being copied or synced again (syncing the directory after the rename makes the link
     * durable); where hard links are not supported it is a synced copy.
     */
    static Path create(Path file, long nowMillis) throws IOException {
        long stamp = nowMillis;
        List<Path> existing = list(file);
        if (!existing.isEmpty()) {
            stamp = Math.max(stamp, stampOf(file, existing.get(existing.size() - 1)) + 1);
        }
        while (true) {
            Path backup = file.resolveSibling(file.getFileName() + ".backup." + stamp);
            try {
                Files.createLink(backup, file);
                return backup;
            } catch (FileAlreadyExistsException taken) {
                stamp++;
            } catch (UnsupportedOperationException | IOException noLinks) {
                return copy(file, backup);
            }
        }
    }

    private static Path copy(Path file, Path backup) throws IOException {
        Files.copy(file, backup, StandardCopyOption.COPY_ATTRIBUTES);
        try (FileChannel channel = FileChannel.open(backup, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        return backup;
    }

    /** Deletes all but the newest {@code keep} backups of {@code file}; returns the deleted paths. */
    static List<Path> prune(Path file, int keep) throws IOException {
        List<Path> all = list(file);
        List<Path> deleted = new ArrayList<>(all.subList(0, Math.max(0, all.size() - keep)));
        for (Path old : deleted) {
            Files.deleteIfExists(old);
        }
        return deleted;
    }

    /** The backups of {@code file}, oldest first. */
    static List<Path> list(Path file) throws IOException {
        try (Stream<Path> siblings = Files.list(file.toAbsolutePath().getParent())) {
            return siblings.filter(p -> stampOf(file, p) >= 0)
                    .sorted(Comparator.comparingLong(p -> stampOf(file, p)))
                    .toList();
        }
    }

    /** The stamp of {@code candidate} if it is a backup of {@code file}, else -1. */
    private static long stampOf(Path file, Path candidate) {
        Matcher m = Pattern.compile(Pattern.quote(file.getFileName() + ".backup.") + "([0-9]{1,18})")
                .matcher(candidate.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
