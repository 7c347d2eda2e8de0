package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.MetricsScrape;
import io.jbouncer.it.support.Poll;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/jbouncer --demo} as a newcomer runs it (on other ports, so it cannot clash): psql gets the pgbench
 * data through jbouncer, the metrics URL answers, and SIGTERM leaves no process and no directory behind.
 */
class DemoIT {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern DEMO_DIR = Pattern.compile("starting PostgreSQL \\(.*\\) in (\\S+)");

    @Test
    void servesPsqlAndCleansUpOnSigterm() throws Exception {
        // Where the demo makes its directory: readable by the postgres user when the tests run as root.
        Path tmp = Files.createTempDirectory("jbouncer-demo-it", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Path output = Files.createTempFile("jbouncer-demo-it", ".out");
        int port = FreePort.find();
        int metricsPort = FreePort.find();
        ProcessBuilder builder = new ProcessBuilder(Path.of("..", "bin", "jbouncer").toAbsolutePath().normalize()
                .toString(), "--demo").redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("TMPDIR", tmp.toString());
        builder.environment().put("JBOUNCER_DEMO_PORT", Integer.toString(port));
        builder.environment().put("JBOUNCER_DEMO_METRICS_PORT", Integer.toString(metricsPort));
        builder.environment().put("JBOUNCER_JAR", System.getProperty("jbouncer.jar"));
        Process demo = builder.start();
        String demoDir;
        try {
            assertTrue(Poll.until(READY_TIMEOUT, () -> read(output).contains("Ctrl-C stops")), () -> read(output));
            Matcher dir = DEMO_DIR.matcher(read(output));
            assertTrue(dir.find(), () -> read(output));
            demoDir = dir.group(1);

            List<String> psql = List.of("psql", "host=127.0.0.1 port=" + port + " dbname=demo user=demo password=demo",
                    "-tAc", "SELECT count(*) FROM pgbench_accounts");
            assertEquals("100000", run(psql).strip());
            assertEquals(200, MetricsScrape.get(metricsPort, "/health", null).status());
            assertTrue(MetricsScrape.get(metricsPort, "/metrics", null).body().contains("pgbouncer_pools_"));
        } finally {
            demo.destroy(); // SIGTERM, as Ctrl-C's neighbour
            if (!demo.waitFor(60, TimeUnit.SECONDS)) {
                demo.destroyForcibly();
            }
        }
        assertEquals(143, demo.exitValue(), () -> read(output));
        assertTrue(read(output).contains("demo: stopped; removed " + demoDir), () -> read(output));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the demo left files behind");
        }
        assertEquals(List.of(), processesMentioning(demoDir), "the demo left processes behind");
        Files.delete(tmp);
        Files.delete(output);
    }

    /** Process ids whose command line contains {@code text} (PostgreSQL's -D and jbouncer's ini both do). */
    private static List<String> processesMentioning(String text) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                                    .contains(text);
                        } catch (IOException exited) {
                            return false;
                        }
                    })
                    .map(p -> p.getFileName().toString()).toList();
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), out);
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
