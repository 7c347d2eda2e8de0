package io.jbouncer.it.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deletes the temporary directories the test support makes (clusters, certificates, configurations). */
final class Directories {

    private Directories() {
    }

    /**
     * Deletes {@code dir} and everything below it; a directory already gone is fine. A failure is reported on
     * stderr rather than thrown: a leftover directory must not fail a test that passed.
     */
    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (NoSuchFileException gone) {
            // deleted already
        } catch (IOException e) {
            System.err.println("cannot delete " + dir + ": " + e);
        }
    }
}
