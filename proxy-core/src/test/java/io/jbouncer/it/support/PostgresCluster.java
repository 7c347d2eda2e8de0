package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster for integration tests: one per test JVM, started on first use with {@code initdb} and
 * {@code pg_ctl} on a free loopback port, and stopped (and its directory deleted) by a shutdown hook.
 *
 * <p>Server binaries come from the directory named by {@value #PGBIN_ENV}, else from the newest
 * {@code /usr/lib/postgresql/<version>/bin}. Without them every integration test fails, on purpose: a skipped suite
 * proves nothing. Because {@code initdb} and {@code postgres} refuse to run as root, they run as the OS user
 * {@code postgres} (through {@code runuser}) when the tests run as root.
 *
 * <p>The cluster's {@code pg_hba.conf} pins one authentication method per test role, so a successful login proves
 * the method, not just the password: {@value #TRUST_USER} uses trust, {@value #MD5_USER} md5 (and its password is
 * stored as MD5), {@value #SCRAM_USER} scram-sha-256 (stored as SCRAM). Databases {@value #DB} (with table
 * {@code t(id int primary key, v text)}) and {@value #DB2} are open to all three roles. Members of group
 * {@value #MD5_GROUP} (roles a test creates with an MD5-stored password) log in with md5; other roles with
 * scram-sha-256.
 *
 * <p>{@link #sharedTls()} is a second cluster, for the TLS tests only, with {@code ssl = on} and the certificates of
 * {@link TestCertificates}: there {@value #TLS_USER} may log in only over TLS ({@code hostssl} scram-sha-256, and
 * {@code hostnossl ... reject}) and {@value #CERT_USER} only over TLS with a client certificate ({@code cert}).
 * The shared cluster keeps {@code ssl = off}.
 */
public final class PostgresCluster implements AutoCloseable {

    /** Environment variable naming a PostgreSQL {@code bin} directory to use instead of the Debian default. */
    public static final String PGBIN_ENV = "JBOUNCER_TEST_PGBIN";
    public static final String SUPERUSER = "postgres";
    public static final String TRUST_USER = "trust_user";
    public static final String MD5_USER = "md5_user";
    public static final String MD5_PASS = "md5_pass";
    public static final String SCRAM_USER = "scram_user";
    public static final String SCRAM_PASS = "scram_pass";
    public static final String DB = "app";
    public static final String DB2 = "app2";
    /** Group role whose members PostgreSQL authenticates with md5 (a member's password is stored as MD5). */
    public static final String MD5_GROUP = "md5_login";
    public static final String TLS_USER = "tls_user";
    public static final String TLS_PASS = "tls_pass";
    public static final String CERT_USER = "cert_user";

    private static final String HOST = "127.0.0.1";
    private static final Path DEBIAN_PG_ROOT = Path.of("/usr/lib/postgresql");
    private static final String INSTALL_HINT = "install the PostgreSQL server: apt-get install -y postgresql";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private static final int LOG_TAIL_LINES = 40;

    private static PostgresCluster shared;
    private static RuntimeException startFailure;
    private static PostgresCluster sharedTls;

    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final Path socketDir;
    private final Path logFile;
    private final int port;
    private final boolean runAsServerOwner;
    /** The certificates of a TLS cluster; {@code null} for the plaintext one. */
    private final TestCertificates certificates;
    /** Lines added to postgresql.conf and put before the usual pg_hba.conf lines (a private cluster's own). */
    private final List<String> extraSettings;
    private final List<String> extraHba;
    private boolean stopped;

    private PostgresCluster(Path binDir, Path baseDir, int port, TestCertificates certificates,
            List<String> extraSettings, List<String> extraHba) {
        this.certificates = certificates;
        this.extraSettings = List.copyOf(extraSettings);
        this.extraHba = List.copyOf(extraHba);
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.socketDir = baseDir.resolve("socket");
        this.logFile = baseDir.resolve("postgres.log");
        this.port = port;
        this.runAsServerOwner = "root".equals(System.getProperty("user.name"));
    }

    /**
     * The cluster of this JVM, started on the first call. A failed start is remembered and rethrown on every later
     * call, so one broken setup fails each test quickly instead of retrying {@code initdb} per class.
     *
     * <p>An IT class whose tests all use it holds it in a field, {@code private static final PostgresCluster pg =
     * PostgresCluster.shared();}: a failed start then fails the class with an {@link ExceptionInInitializerError}
     * caused by the failure (its message names the missing binaries or ends with the server log).
     */
    public static synchronized PostgresCluster shared() {
        if (startFailure != null) {
            throw startFailure;
        }
        if (shared == null) {
            try {
                shared = launch(null);
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
        }
        return shared;
    }

    /** The TLS cluster of this JVM (see the class comment), started on the first call. */
    public static synchronized PostgresCluster sharedTls() {
        if (sharedTls == null) {
            sharedTls = launch(TestCertificates.shared());
        }
        return sharedTls;
    }

    /**
     * A cluster of its own from the server binaries in {@code binDir} (for example another major version than the
     * shared one), with the same roles and databases. It is stopped at JVM exit, or earlier by {@link #close()}.
     */
    public static PostgresCluster startWith(Path binDir) {
        return launch(binDir, null, List.of(), List.of());
    }

    /**
     * A cluster of the caller's own, with the usual roles and databases, {@code settings} added to postgresql.conf
     * and {@code hbaLines} before the usual pg_hba.conf lines: for what the shared cluster should not pay for in
     * every test (e.g. {@code wal_level = logical} and replication lines). It is stopped at JVM exit, or earlier by
     * {@link #close()}.
     */
    public static PostgresCluster startPrivate(List<String> settings, List<String> hbaLines) {
        return launch(findBinDir(), null, settings, hbaLines);
    }

    /**
     * Stops this cluster and deletes its directory, for a cluster of {@link #startWith} or {@link #startPrivate};
     * idempotent.
     */
    @Override
    public void close() {
        stop();
    }

    private static PostgresCluster launch(TestCertificates certificates) {
        return launch(findBinDir(), certificates, List.of(), List.of());
    }

    private static PostgresCluster launch(Path binDir, TestCertificates certificates, List<String> extraSettings,
            List<String> extraHba) {
        Path baseDir;
        try {
            baseDir = Files.createTempDirectory(Path.of("/tmp"), "jbouncer-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster directory under /tmp", e);
        }
        PostgresCluster cluster = new PostgresCluster(binDir, baseDir, FreePort.find(), certificates, extraSettings,
                extraHba);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "postgres-cluster-stop"));
        cluster.create();
        cluster.startServer();
        cluster.createRolesAndDatabases();
        return cluster;
    }

    private static Path findBinDir() {
        String configured = System.getenv(PGBIN_ENV);
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            if (!Files.isExecutable(dir.resolve("initdb"))) {
                throw new IllegalStateException(PGBIN_ENV + "=" + configured + " has no initdb; " + INSTALL_HINT);
            }
            return dir;
        }
        return newestDebianBinDir().orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL server binaries in " + DEBIAN_PG_ROOT + "/*/bin and " + PGBIN_ENV
                        + " is not set; integration tests need a real PostgreSQL, so " + INSTALL_HINT));
    }

    private static Optional<Path> newestDebianBinDir() {
        if (!Files.isDirectory(DEBIAN_PG_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_PG_ROOT)) {
            return versions
                    .filter(dir -> dir.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(dir -> Files.isExecutable(dir.resolve("bin/initdb")))
                    .max(Comparator.comparingDouble(dir -> Double.parseDouble(dir.getFileName().toString())))
                    .map(dir -> dir.resolve("bin"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + DEBIAN_PG_ROOT, e);
        }
    }

    /** {@code "127.0.0.1"}: the server listens on loopback TCP only. */
    public String host() {
        return HOST;
    }

    /** The TCP port; it stays the same across {@link #restart()}. */
    public int port() {
        return port;
    }

    /** The directory holding the server's Unix socket {@code .s.PGSQL.<port>}. */
    public Path socketDir() {
        return socketDir;
    }

    /** A PostgreSQL client or server program of the binaries this cluster uses (for example {@code pgbench}). */
    public Path binary(String name) {
        return binDir.resolve(name);
    }

    /** A libpq connection string for {@code db} on this cluster, as a {@code [databases]} entry takes it. */
    public String connstring(String db) {
        return "host=" + HOST + " port=" + port + " dbname=" + db;
    }

    /** A new JDBC connection as the superuser {@value #SUPERUSER} (trust over loopback); the caller closes it. */
    public Connection superuserJdbc(String db) throws SQLException {
        return Jdbc.connect(HOST, port, db, SUPERUSER, null);
    }

    /** PostgreSQL's MD5 password secret: {@code "md5" + hex(md5(password + user))}. */
    public static String md5Secret(String user, String password) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] digest = md5.digest((password + user).getBytes(StandardCharsets.UTF_8));
            return "md5" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides MD5", e);
        }
    }

    /**
     * The password secret the server stores for {@code role} ({@code pg_authid.rolpassword}): a
     * {@code SCRAM-SHA-256$...} verifier for {@value #SCRAM_USER}, an {@code md5...} hash for {@value #MD5_USER},
     * {@code null} for a role without password.
     */
    public String scramSecretOf(String role) throws SQLException {
        try (Connection c = superuserJdbc("postgres");
             PreparedStatement st = c.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
            st.setString(1, role);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no role " + role);
                }
                return rs.getString(1);
            }
        }
    }

    /**
     * The first column of {@code sql} as text, run by the superuser on a connection of its own to database
     * {@code postgres}, with {@code parameters} bound in order (a {@code String[]} as a {@code text[]}).
     */
    public List<String> superuserColumn(String sql, Object... parameters) throws SQLException {
        try (Connection c = superuserJdbc("postgres"); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                st.setObject(i + 1, parameters[i] instanceof String[] names ? c.createArrayOf("text", names)
                        : parameters[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    /** How many client backends of {@code user} exist right now (not counting the connection asking). */
    public int backendCount(String user) throws SQLException {
        try (Connection c = superuserJdbc("postgres");
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE usename = ?"
                     + " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
            st.setString(1, user);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Restarts the server ({@code pg_ctl restart -m fast}) on the same port and waits until it accepts
     * connections again. Every existing server connection is terminated.
     */
    public synchronized void restart() {
        pgCtl("-m", "fast", "restart");
        awaitReady();
    }

    /**
     * Restarts the server as after a crash ({@code pg_ctl restart -m immediate}: no shutdown checkpoint, every
     * backend gone at once, crash recovery on start) and waits until it accepts connections again.
     */
    public synchronized void restartImmediately() {
        pgCtl("-m", "immediate", "restart");
        awaitReady();
    }

    /**
     * Stops the server for a while ({@code pg_ctl stop -m fast}): every connection is terminated and the port
     * refuses; {@link #startAgain()} brings it back.
     */
    public synchronized void stopForAWhile() {
        pgCtl("-m", "fast", "stop");
    }

    /** Starts a server stopped by {@link #stopForAWhile()} on the same port; waits until it accepts connections. */
    public synchronized void startAgain() {
        pgCtl("start");
        awaitReady();
    }

    /**
     * A streaming standby of this cluster ({@code pg_basebackup -R}) on the same port at {@code address} (another
     * loopback address, e.g. {@code 127.0.0.2}), started and accepting connections. The caller closes it.
     */
    public synchronized Standby startStandby(String address) {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "jbouncer-standby-");
            Path data = dir.resolve("data");
            Path socket = dir.resolve("socket");
            Files.createDirectories(socket);
            if (runAsServerOwner) {
                UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(SUPERUSER);
                Files.setOwner(dir, owner);
                Files.setOwner(socket, owner);
            }
            try {
                Exec.check(dir, COMMAND_TIMEOUT, asServerOwner(binary("pg_basebackup").toString(), "-D",
                        data.toString(), "-R", "-h", socketDir.toString(), "-p", Integer.toString(port), "-U",
                        SUPERUSER, "-X", "stream", "-c", "fast")); // an immediate checkpoint, not a spread one
            } catch (RuntimeException e) {
                Directories.deleteRecursively(dir);
                throw e;
            }
            append(data.resolve("postgresql.auto.conf"), String.join("\n", "",
                    "listen_addresses = '" + address + "'",
                    "unix_socket_directories = '" + socket + "'", ""));
            Standby standby = new Standby(dir, data, address);
            standby.pgCtl("start");
            List<String> isReady = List.of(binary("pg_isready").toString(), "-h", address, "-p",
                    Integer.toString(port), "-U", SUPERUSER, "-d", "postgres", "-t", "2");
            if (!Poll.until(READY_TIMEOUT, () -> Exec.run(dir, COMMAND_TIMEOUT, isReady).succeeded())) {
                standby.close();
                throw failure("the standby did not accept connections on " + address + " within " + READY_TIMEOUT,
                        null);
            }
            return standby;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a standby of " + baseDir, e);
        }
    }

    /** A streaming standby made by {@link #startStandby}; closing it stops it and deletes its directory. */
    public final class Standby implements AutoCloseable {
        private final Path dir;
        private final Path data;
        private final String address;

        private Standby(Path dir, Path data, String address) {
            this.dir = dir;
            this.data = data;
            this.address = address;
        }

        public String address() {
            return address;
        }

        /** {@code pg_ctl promote}: it becomes a primary of its own, accepting writes. */
        public void promote() {
            pgCtl("promote");
        }

        private void pgCtl(String action) {
            List<String> command = List.of(binary("pg_ctl").toString(), "-D", data.toString(), "-l",
                    dir.resolve("postgres.log").toString(), "-w", "-t", Long.toString(READY_TIMEOUT.toSeconds()),
                    action);
            Exec.Result result = Exec.run(dir, COMMAND_TIMEOUT, asServerOwner(command.toArray(String[]::new)));
            if (!result.succeeded()) {
                throw failure("pg_ctl " + action + " of the standby failed:\n" + result.output(), null);
            }
        }

        @Override
        public void close() {
            Exec.run(dir, COMMAND_TIMEOUT, asServerOwner(binary("pg_ctl").toString(), "-D", data.toString(), "-m",
                    "immediate", "-w", "stop"));
            Directories.deleteRecursively(dir);
        }
    }

    private void create() {
        try {
            Files.createDirectories(socketDir);
            if (runAsServerOwner) {
                UserPrincipal owner = baseDir.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(SUPERUSER);
                Files.setOwner(baseDir, owner);
                Files.setOwner(socketDir, owner);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + baseDir + " for OS user " + SUPERUSER
                    + " (does the user exist? it comes with the postgresql package)", e);
        }
        Exec.check(baseDir, COMMAND_TIMEOUT, asServerOwner(binary("initdb").toString(), "-D", dataDir.toString(),
                "--auth=trust", "-U", SUPERUSER, "--encoding=UTF8", "--locale=C", "--no-sync"));
        append(dataDir.resolve("postgresql.conf"), String.join("\n",
                "",
                "# jbouncer integration tests",
                "port = " + port,
                "listen_addresses = '" + HOST + "'",
                "unix_socket_directories = '" + socketDir + "'",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "max_connections = 300",
                "shared_buffers = 64MB",
                ""));
        append(dataDir.resolve("postgresql.conf"), String.join("\n", extraSettings) + "\n");
        // hostssl lines are errors while ssl is off: only the TLS cluster has them.
        String tlsOnly = certificates == null ? "" : String.join("\n",
                "hostssl all " + TLS_USER + " " + HOST + "/32 scram-sha-256",
                "hostnossl all " + TLS_USER + " " + HOST + "/32 reject",
                "hostssl all " + CERT_USER + " " + HOST + "/32 cert",
                "hostnossl all " + CERT_USER + " " + HOST + "/32 reject",
                "");
        if (certificates != null) {
            enableTls();
        }
        String ownLines = extraHba.isEmpty() ? "" : String.join("\n", extraHba) + "\n";
        write(dataDir.resolve("pg_hba.conf"), tlsOnly + ownLines + String.join("\n",
                "local all all trust",
                "local replication all trust", // pg_basebackup of a standby (startStandby)
                "host all " + SUPERUSER + " " + HOST + "/32 trust",
                "host all " + TRUST_USER + " " + HOST + "/32 trust",
                "host all " + MD5_USER + " " + HOST + "/32 md5",
                "host all " + SCRAM_USER + " " + HOST + "/32 scram-sha-256",
                "host all +" + MD5_GROUP + " " + HOST + "/32 md5",
                "host all all " + HOST + "/32 scram-sha-256",
                ""));
    }

    /** {@code ssl = on} with the server certificate (valid for 127.0.0.1 only) and the test CA for client ones. */
    private void enableTls() {
        try {
            Files.copy(certificates.file("pg-server.crt"), dataDir.resolve("server.crt"));
            Files.copy(certificates.file("pg-server.key"), dataDir.resolve("server.key"));
            Files.copy(certificates.file("ca.crt"), dataDir.resolve("root.crt"));
            UserPrincipal owner = baseDir.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(runAsServerOwner ? SUPERUSER : System.getProperty("user.name"));
            for (String name : List.of("server.crt", "server.key", "root.crt")) {
                Files.setOwner(dataDir.resolve(name), owner);
            }
            Files.setPosixFilePermissions(dataDir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the TLS files in " + dataDir, e);
        }
        append(dataDir.resolve("postgresql.conf"), String.join("\n",
                "ssl = on",
                "ssl_cert_file = 'server.crt'",
                "ssl_key_file = 'server.key'",
                "ssl_ca_file = 'root.crt'",
                ""));
    }

    private void startServer() {
        pgCtl("start");
        awaitReady();
    }

    private void createRolesAndDatabases() {
        String users = String.join(", ", TRUST_USER, MD5_USER, SCRAM_USER);
        try (Connection c = superuserJdbc("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + TRUST_USER + " LOGIN");
            st.execute("CREATE ROLE " + MD5_GROUP + " NOLOGIN");
            st.execute("SET password_encryption = 'md5'");
            st.execute("CREATE ROLE " + MD5_USER + " LOGIN PASSWORD '" + MD5_PASS + "'");
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("CREATE ROLE " + SCRAM_USER + " LOGIN PASSWORD '" + SCRAM_PASS + "'");
            for (String db : List.of(DB, DB2)) {
                st.execute("CREATE DATABASE " + db + " OWNER " + SUPERUSER);
                st.execute("GRANT ALL ON DATABASE " + db + " TO " + users);
            }
            if (certificates != null) {
                st.execute("CREATE ROLE " + TLS_USER + " LOGIN PASSWORD '" + TLS_PASS + "'");
                st.execute("CREATE ROLE " + CERT_USER + " LOGIN");
                st.execute("GRANT ALL ON DATABASE " + DB + " TO " + TLS_USER + ", " + CERT_USER);
            }
        } catch (SQLException e) {
            throw failure("cannot create the test roles and databases", e);
        }
        for (String db : List.of(DB, DB2)) {
            try (Connection c = superuserJdbc(db); Statement st = c.createStatement()) {
                st.execute("GRANT ALL ON SCHEMA public TO " + users);
                if (DB.equals(db)) {
                    st.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
                    st.execute("GRANT ALL ON TABLE t TO " + users);
                }
            } catch (SQLException e) {
                throw failure("cannot prepare database " + db, e);
            }
        }
    }

    private void pgCtl(String... action) {
        List<String> command = new ArrayList<>(List.of(binary("pg_ctl").toString(), "-D", dataDir.toString(),
                "-l", logFile.toString(), "-w", "-t", Long.toString(READY_TIMEOUT.toSeconds())));
        command.addAll(List.of(action));
        Exec.Result result = Exec.run(baseDir, COMMAND_TIMEOUT, asServerOwner(command.toArray(String[]::new)));
        if (!result.succeeded()) {
            throw failure("pg_ctl " + String.join(" ", action) + " failed:\n" + result.output(), null);
        }
    }

    /**
     * Polls {@code pg_isready} until the server accepts connections on its TCP port. Server-only binaries (the
     * PostgreSQL 18 of Protocol32ServerIT) have none: the newest Debian one asks as well.
     */
    private void awaitReady() {
        Path pgIsReady = Files.isExecutable(binary("pg_isready")) ? binary("pg_isready")
                : newestDebianBinDir().map(dir -> dir.resolve("pg_isready")).orElse(binary("pg_isready"));
        List<String> isReady = List.of(pgIsReady.toString(), "-h", HOST, "-p", Integer.toString(port),
                "-U", SUPERUSER, "-d", "postgres", "-t", "2");
        if (!Poll.until(READY_TIMEOUT, () -> Exec.run(baseDir, COMMAND_TIMEOUT, isReady).succeeded())) {
            throw failure("PostgreSQL did not accept connections on " + HOST + ":" + port + " within "
                    + READY_TIMEOUT, null);
        }
    }

    /** Stops the server and deletes its directory; safe to call more than once. */
    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            List<String> fast = asServerOwner(binary("pg_ctl").toString(), "-D", dataDir.toString(),
                    "-m", "fast", "-w", "-t", "30", "stop");
            if (!Exec.run(baseDir, COMMAND_TIMEOUT, fast).succeeded()) {
                Exec.run(baseDir, COMMAND_TIMEOUT, asServerOwner(binary("pg_ctl").toString(), "-D",
                        dataDir.toString(), "-m", "immediate", "-w", "stop"));
            }
        }
        Directories.deleteRecursively(baseDir);
    }

    private List<String> asServerOwner(String... command) {
        List<String> full = new ArrayList<>();
        if (runAsServerOwner) {
            full.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private IllegalStateException failure(String message, Throwable cause) {
        return new IllegalStateException(message + "\n--- last lines of " + logFile + " ---\n" + logTail(), cause);
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    private static void append(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

}
