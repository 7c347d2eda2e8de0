package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Throw-away certificates for the TLS tests, made with the {@code openssl} command line in a temporary directory:
 * a CA, a second CA nobody trusts, server certificates and client certificates, with keys in the forms operators
 * have (PKCS#8 RSA, PKCS#1 RSA, SEC1 EC). One set per test JVM ({@link #shared()}); files are plain PEM unless
 * named otherwise.
 */
public final class TestCertificates {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static TestCertificates shared;

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** The set of this JVM, made on the first call. */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            try {
                shared = new TestCertificates(Files.createTempDirectory("jbouncer-certs-"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a certificate directory", e);
            }
            Path dir = shared.dir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Directories.deleteRecursively(dir),
                    "test-certificates-delete"));
            shared.makeAll();
        }
        return shared;
    }

    public Path dir() {
        return dir;
    }

    /** A file of the set, for example {@code ca.crt}. */
    public Path file(String name) {
        return dir.resolve(name);
    }


    private void makeAll() {
        ca("ca", "jbouncer test CA");
        ca("other-ca", "untrusted test CA");
        // PostgreSQL's certificate: valid for 127.0.0.1 only, so verify-full against "localhost" must fail.
        leaf("pg-server", "ca", "127.0.0.1", "IP:127.0.0.1", "pkcs8");
        // jbouncer's certificate towards clients: localhost and 127.0.0.1; a PKCS#1 key.
        leaf("bouncer", "ca", "localhost", "DNS:localhost,IP:127.0.0.1", "pkcs1");
        // The same names with an EC key, to swap in on reload.
        leaf("bouncer-ec", "ca", "localhost", "DNS:localhost,IP:127.0.0.1", "ec");
        leaf("client-tls_user", "ca", "tls_user", null, "pkcs8");
        leaf("client-cert_user", "ca", "cert_user", null, "pkcs8");
        leaf("client-other-ca", "other-ca", "tls_user", null, "pkcs8");
        leaf("client-wrong-cn", "ca", "somebody_else", null, "pkcs8");
        // pgjdbc reads client keys as DER PKCS#8.
        openssl("pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in", "client-tls_user.key",
                "-out", "client-tls_user.pk8");
        for (String name : List.of("client-tls_user", "client-cert_user", "client-other-ca", "client-wrong-cn")) {
            chmodOwnerOnly(file(name + ".key")); // libpq refuses group- or world-readable keys
        }
    }

    private void ca(String name, String subject) {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".crt",
                "-days", "3", "-subj", "/CN=" + subject, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /** A key of {@code keyForm} and a certificate for CN {@code commonName} signed by {@code issuer}. */
    private void leaf(String name, String issuer, String commonName, String subjectAltNames, String keyForm) {
        switch (keyForm) {
            case "pkcs8" -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", name + ".key");
            case "pkcs1" -> openssl("genrsa", "-traditional", "-out", name + ".key", "2048");
            case "ec" -> openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + ".key");
            default -> throw new IllegalArgumentException(keyForm);
        }
        openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + commonName);
        List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".crt",
                "-CAkey", issuer + ".key", "-CAcreateserial", "-out", name + ".crt", "-days", "3"));
        if (subjectAltNames != null) {
            write(name + ".ext", "subjectAltName=" + subjectAltNames + "\n");
            sign.addAll(List.of("-extfile", name + ".ext"));
        }
        openssl(sign.toArray(String[]::new));
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Exec.check(dir, TIMEOUT, command);
    }

    private void write(String name, String text) {
        try {
            Files.writeString(file(name), text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chmodOwnerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
