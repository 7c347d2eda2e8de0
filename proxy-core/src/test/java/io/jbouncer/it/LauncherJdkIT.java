package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/jbouncer}'s JDK choice and the options it adds per JDK (docs/operations.md, "The launcher"), against
 * fake JDKs: each is a directory with a {@code release} file and a {@code bin/java} that prints the arguments it was
 * given, so the test sees exactly what the launcher would exec. The fakes claim version 99 or 11, so the real JDKs
 * under /usr/lib/jvm (17, 25) neither win over the first nor lose to the second.
 */
class LauncherJdkIT {

    private static final Path LAUNCHER = Path.of("..", "bin", "jbouncer").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private Path jar;

    @BeforeEach
    void jar() throws IOException {
        jar = Files.writeString(dir.resolve("jbouncer.jar"), "not a jar: the fake java never opens it");
    }

    private Path fakeJdk(String name, String version) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name).resolve("bin")).getParent();
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\nJAVA_RUNTIME_VERSION=\""
                + version + "+1-test\"\n");
        Path java = home.resolve("bin").resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"$0 $*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** The command line the launcher execs, with {@code environment} added and JAVA_HOME removed unless given. */
    private String launch(Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "-V").redirectErrorStream(true);
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("JBOUNCER_JAVA_OPTS");
        builder.environment().remove("JBOUNCER_AOT_CACHE");
        builder.environment().put("JBOUNCER_JAR", jar.toString());
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "bin/jbouncer did not finish within 120 s");
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    private static String pathWith(Path home) {
        return home.resolve("bin") + ":" + System.getenv("PATH");
    }

    @Test
    void theNewestJdkOnThePathWinsAndGetsCompactHeadersAndItsOwnAotCache() throws Exception {
        Path newest = fakeJdk("jdk99", "99.0.1");
        Path cache = dir.resolve("jbouncer-99.0.1+1-test.aot");
        Files.writeString(cache, "");

        String command = launch(Map.of("PATH", pathWith(newest)));

        assertTrue(command.startsWith(newest.resolve("bin").resolve("java").toString()), command);
        assertTrue(command.contains("-XX:+UseSerialGC"), command);
        assertTrue(command.contains("-XX:+UseCompactObjectHeaders"), command);
        assertTrue(command.contains("-XX:AOTCache=" + cache), command);
        assertTrue(command.endsWith("-jar " + jar + " -V"), command);
    }

    @Test
    void withoutACacheForThatJdkNoneIsGivenAndNoneMeansNone() throws Exception {
        Path newest = fakeJdk("jdk99", "99.0.1");
        Files.writeString(dir.resolve("jbouncer-25.0.3+9-LTS.aot"), ""); // another JDK's cache

        assertFalse(launch(Map.of("PATH", pathWith(newest))).contains("AOTCache"));

        Files.writeString(dir.resolve("jbouncer-99.0.1+1-test.aot"), "");
        assertFalse(launch(Map.of("PATH", pathWith(newest), "JBOUNCER_AOT_CACHE", "none")).contains("AOTCache"));
    }

    @Test
    void aTrainingRunWritesTheCacheItIsGiven() throws Exception {
        Path newest = fakeJdk("jdk99", "99.0.1");

        String command = launch(Map.of("PATH", pathWith(newest), "JBOUNCER_AOT_TRAIN", "/tmp/x.aot"));

        assertTrue(command.contains("-XX:AOTCacheOutput=/tmp/x.aot"), command);
        assertFalse(command.contains("-XX:AOTCache="), command);
    }

    @Test
    void anExplicitJavaHomeWinsEvenWhenOlderAndGetsNoJdk25Options() throws Exception {
        Path newest = fakeJdk("jdk99", "99.0.1");
        Path chosen = fakeJdk("jdk17", "17.0.15");
        Files.writeString(dir.resolve("jbouncer-17.0.15+1-test.aot"), "");

        String command = launch(Map.of("PATH", pathWith(newest), "JAVA_HOME", chosen.toString()));

        assertTrue(command.startsWith(chosen.resolve("bin").resolve("java").toString()), command);
        assertTrue(command.contains("-XX:+UseSerialGC"), command);
        assertFalse(command.contains("CompactObjectHeaders"), command);
        assertFalse(command.contains("AOTCache"), command);
    }

    /** The fake 11 on the PATH is passed over for a real JDK 17+, which runs the jar under test. */
    @Test
    void aJdkOlderThan17OnThePathIsPassedOver() throws Exception {
        Path old = fakeJdk("jdk11", "11.0.2");

        String output = launch(Map.of("PATH", pathWith(old), "JBOUNCER_JAR", System.getProperty("jbouncer.jar")));

        assertFalse(output.contains(old.toString()), output);
        assertTrue(output.contains("runtime: Java "), output);
    }

    @Test
    void jbouncerOptionsReplaceTheDefaultsIncludingCompactHeaders() throws Exception {
        Path newest = fakeJdk("jdk99", "99.0.1");

        String command = launch(Map.of("PATH", pathWith(newest), "JBOUNCER_JAVA_OPTS", "-Xmx64m"));

        assertTrue(command.contains(" -Xmx64m -jar "), command);
        assertFalse(command.contains("UseSerialGC") || command.contains("CompactObjectHeaders"), command);
    }
}
