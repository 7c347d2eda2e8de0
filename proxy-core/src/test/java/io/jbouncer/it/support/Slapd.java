package io.jbouncer.it.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private OpenLDAP server for a test class: Debian's {@code slapd} with a {@code slapd.conf} of its own in a
 * temporary directory, an mdb database under {@value #BASE_DN} loaded from LDIF with {@code slapadd}, listening on a
 * free loopback port in the foreground. {@link #close()} stops that process and deletes the directory. Without the
 * package the test fails and says how to install it: a skipped LDAP test proves nothing.
 */
public final class Slapd implements AutoCloseable {

    public static final String BASE_DN = "dc=example,dc=net";
    private static final Path SLAPD = Path.of("/usr/sbin/slapd");
    private static final Path SLAPADD = Path.of("/usr/sbin/slapadd");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final int port;
    private final Process process;

    private Slapd(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts a server holding the base entry {@value #BASE_DN} and then {@code entries} (LDIF, entries separated by
     * blank lines).
     */
    public static Slapd start(String entries) {
        if (!Files.isExecutable(SLAPD) || !Files.isExecutable(SLAPADD)) {
            throw new IllegalStateException("no " + SLAPD + ": the LDAP tests need OpenLDAP's server,"
                    + " install it with 'apt-get install -y slapd' (.ci/run does)");
        }
        try {
            Path dir = Files.createTempDirectory("jbouncer-slapd-");
            Files.createDirectories(dir.resolve("data"));
            Path conf = dir.resolve("slapd.conf");
            Files.writeString(conf, String.join("\n",
                    "include /etc/ldap/schema/core.schema",
                    "include /etc/ldap/schema/cosine.schema",
                    "include /etc/ldap/schema/inetorgperson.schema",
                    "pidfile " + dir.resolve("slapd.pid"),
                    "argsfile " + dir.resolve("slapd.args"),
                    "modulepath /usr/lib/ldap",
                    "moduleload back_mdb",
                    "database mdb",
                    "maxsize 10485760",
                    "suffix \"" + BASE_DN + "\"",
                    "rootdn \"cn=admin," + BASE_DN + "\"",
                    "rootpw admin_secret",
                    "directory " + dir.resolve("data"),
                    ""), StandardCharsets.UTF_8);
            Path ldif = dir.resolve("entries.ldif");
            Files.writeString(ldif, "dn: " + BASE_DN + "\nobjectClass: dcObject\nobjectClass: organization\n"
                    + "dc: example\no: example\n\n" + entries, StandardCharsets.UTF_8);
            Exec.check(dir, COMMAND_TIMEOUT, List.of(SLAPADD.toString(), "-f", conf.toString(), "-l",
                    ldif.toString()));
            int port = FreePort.find();
            Process process = new ProcessBuilder(SLAPD.toString(), "-f", conf.toString(),
                    "-h", "ldap://127.0.0.1:" + port + "/", "-d", "0")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("slapd.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            Slapd slapd = new Slapd(dir, port, process);
            if (!Poll.until(READY_TIMEOUT, slapd::accepts)) {
                slapd.close();
                throw new IllegalStateException("slapd did not listen on port " + port + " within " + READY_TIMEOUT);
            }
            return slapd;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start slapd", e);
        }
    }

    /** The LDAP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    private boolean accepts() {
        if (!process.isAlive()) {
            throw new IllegalStateException("slapd exited: " + log());
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("slapd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server (SIGTERM to its process, then SIGKILL if it lingers) and deletes its directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Directories.deleteRecursively(dir);
    }
}
