package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A class-data-sharing archive of the classes jbouncer loads to start (the JDK's dynamic AppCDS archive), made once
 * per test JVM by a training run of the jar under test and then named in the JVM options of every jbouncer the
 * tests start: a start maps those classes instead of loading and verifying them again. Measured on the shaded jar
 * with paranoid leak detection, a start until it listens costs about 2.5 CPU-seconds without it and 1.7 with it;
 * the suite starts well over a hundred. Should the training run fail, jbouncer starts without an archive, as
 * before.
 */
final class StartupArchive {

    private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(90);
    private static final int CONNECT_TIMEOUT_MILLIS = 200;
    /** Silences the JVM's warning should it refuse the archive after all: tests read jbouncer's output. */
    private static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");

    private static List<String> options;

    private StartupArchive() {
    }

    /** The JVM options that use the archive of {@code jar}, made on the first call; empty without one. */
    static synchronized List<String> jvmOptions(Path java, Path jar) {
        if (options == null) {
            Path archive = jar.resolveSibling("jbouncer-it-classes.jsa");
            options = train(java, jar, archive)
                    ? List.of("-XX:SharedArchiveFile=" + archive, QUIET.get(0), QUIET.get(1))
                    : List.of();
        }
        return options;
    }

    /**
     * Starts jbouncer on a configuration of its own until it listens, stops it with SIGTERM, and moves the archive
     * it wrote at exit to {@code archive}; {@code false} if any step failed.
     */
    private static boolean train(Path java, Path jar, Path archive) {
        JBouncerConfig config = JBouncerConfig.create()
                .set("auth_type", "trust")
                .database("training", "host=127.0.0.1 port=1 dbname=training");
        Path written = config.dir().resolve("classes.jsa");
        Process process = null;
        try {
            process = new ProcessBuilder(java.toString(), "-Dio.netty.leakDetection.level=paranoid",
                    "-XX:ArchiveClassesAtExit=" + written, "-jar", jar.toString(), config.write().toString())
                    .directory(config.dir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(config.dir().resolve("training.log").toFile())
                    .start();
            Process running = process;
            if (!Poll.until(TRAINING_TIMEOUT, () -> !running.isAlive() || listens(config.port()))
                    || !running.isAlive()) {
                return false;
            }
            process.destroy();
            if (!process.waitFor(TRAINING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || !Files.isRegularFile(written)) {
                return false;
            }
            Files.move(written, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run jbouncer's training run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }

    private static boolean listens(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }
}
