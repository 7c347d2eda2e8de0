package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.FreePort;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.MetricsScrape;
import io.jbouncer.it.support.PostgresCluster;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker/entrypoint.sh} run as outside a container (the image runs the same script): edoburu/pgbouncer's
 * environment variables become a pgbouncer.ini and userlist.txt, and the jbouncer it execs serves real logins to
 * the test cluster.
 */
class ContainerEntrypointIT {
    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final PostgresCluster pg = PostgresCluster.shared();
    private JBouncerProcess bouncer;

    @TempDir
    Path confDir;

    @Test
    void databaseUrlWritesAnMd5UserAndServesIt() throws Exception {
        int port = FreePort.find();
        int metricsPort = FreePort.find();
        Map<String, String> env = environment(port);
        env.put("DATABASE_URL", "postgres://" + PostgresCluster.MD5_USER + ":" + PostgresCluster.MD5_PASS
                + "@" + pg.host() + ":" + pg.port() + "/" + PostgresCluster.DB + "?sslmode=disable");
        env.put("POOL_MODE", "transaction");
        env.put("MAX_CLIENT_CONN", "50");
        env.put("METRICS_PORT", Integer.toString(metricsPort));
        env.put("METRICS_ADDR", "127.0.0.1");
        bouncer = BOUNCERS.adopt(JBouncerProcess.startEntrypoint(confDir, env, port));

        String ini = Files.readString(confDir.resolve("pgbouncer.ini"));
        assertTrue(ini.contains(PostgresCluster.DB + " = host=" + pg.host() + " port=" + pg.port() + "\n"), ini);
        assertTrue(ini.contains("pool_mode = transaction\n") && ini.contains("max_client_conn = 50\n"), ini);
        assertEquals("\"" + PostgresCluster.MD5_USER + "\" \""
                        + PostgresCluster.md5Secret(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS) + "\"\n",
                Files.readString(confDir.resolve("userlist.txt")));
        assertEquals(PostgresCluster.MD5_USER, currentUser(port, PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS));
        assertEquals(200, MetricsScrape.get(metricsPort, "/health", null).status());
        assertFalse(bouncer.log().contains(PostgresCluster.MD5_PASS), "a password was printed:\n" + bouncer.log());
        assertFalse(ini.contains(PostgresCluster.MD5_PASS), ini);
    }

    @Test
    void splitVariablesWithScramServeTheUserAndWriteAScramAdmin() throws Exception {
        int port = FreePort.find();
        Map<String, String> env = environment(port);
        env.put("DB_HOST", pg.host());
        env.put("DB_PORT", Integer.toString(pg.port()));
        env.put("DB_USER", PostgresCluster.SCRAM_USER);
        env.put("DB_PASSWORD", PostgresCluster.SCRAM_PASS);
        env.put("DB_NAME", PostgresCluster.DB);
        env.put("AUTH_TYPE", "scram-sha-256");
        env.put("ADMIN_USERS", "boss");
        env.put("ADMIN_PASSWORDS", "boss_pw");
        bouncer = BOUNCERS.adopt(JBouncerProcess.startEntrypoint(confDir, env, port));

        List<String> users = Files.readAllLines(confDir.resolve("userlist.txt"));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(confDir.resolve("userlist.txt"))));
        assertEquals(2, users.size(), users::toString);
        // The server user's password as written (a SCRAM PostgreSQL needs it), the console user's as a SCRAM secret.
        assertEquals("\"" + PostgresCluster.SCRAM_USER + "\" \"" + PostgresCluster.SCRAM_PASS + "\"", users.get(0));
        assertTrue(users.get(1).startsWith("\"boss\" \"SCRAM-SHA-256$"), users::toString);
        assertEquals(PostgresCluster.SCRAM_USER,
                currentUser(port, PostgresCluster.SCRAM_USER, PostgresCluster.SCRAM_PASS));
        try (Connection console = AdminConsole.connect(port, "boss", "boss_pw")) {
            assertEquals("PgBouncer 1.25.2", AdminConsole.rows(console, "SHOW VERSION").get(0).get("version"));
        }
        String log = bouncer.log();
        assertFalse(log.contains(PostgresCluster.SCRAM_PASS) || log.contains("boss_pw"), log);
    }

    @Test
    void anExistingIniIsUsedAsItIs() throws Exception {
        JBouncerConfig config = JBouncerConfig.create()
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS);
        Path ini = config.write();
        String before = Files.readString(ini);
        String usersBefore = Files.readString(config.dir().resolve("userlist.txt"));
        Map<String, String> env = environment(FreePort.find());
        env.put("JBOUNCER_CONF_DIR", config.dir().toString());
        env.put("DB_HOST", "ignored.invalid");
        env.put("DB_USER", PostgresCluster.MD5_USER);
        env.put("DB_PASSWORD", "not-the-listed-one");
        bouncer = BOUNCERS.adopt(JBouncerProcess.startEntrypoint(config.dir(), env, config.port()));

        assertEquals(before, Files.readString(ini));
        assertEquals(usersBefore, Files.readString(config.dir().resolve("userlist.txt")), "listed users are kept");
        assertEquals(PostgresCluster.MD5_USER,
                currentUser(config.port(), PostgresCluster.MD5_USER, PostgresCluster.MD5_PASS));
    }

    @Test
    void withoutIniOrDbHostItFailsClearly() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("JBOUNCER_CONF_DIR", confDir.resolve("conf").toString());
        JBouncerProcess.Exited exited = runEntrypoint(env);
        assertEquals(1, exited.exitCode(), exited.output());
        assertTrue(exited.output().contains("no DB_HOST"), exited.output());
        assertFalse(Files.exists(confDir.resolve("conf").resolve("pgbouncer.ini")));
    }

    /** Every setting variable lands under its PgBouncer key, and the file passes {@code jbouncer --check}. */
    @Test
    void everySettingVariableBecomesAValidSetting() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("POOL_MODE", "statement");
        settings.put("MAX_CLIENT_CONN", "321");
        settings.put("DEFAULT_POOL_SIZE", "7");
        settings.put("MIN_POOL_SIZE", "1");
        settings.put("RESERVE_POOL_SIZE", "2");
        settings.put("RESERVE_POOL_TIMEOUT", "3");
        settings.put("MAX_DB_CONNECTIONS", "30");
        settings.put("MAX_USER_CONNECTIONS", "31");
        settings.put("SERVER_ROUND_ROBIN", "1");
        settings.put("APPLICATION_NAME_ADD_HOST", "1");
        settings.put("MAX_PREPARED_STATEMENTS", "50");
        settings.put("LOG_CONNECTIONS", "0");
        settings.put("LOG_DISCONNECTIONS", "0");
        settings.put("LOG_POOLER_ERRORS", "0");
        settings.put("LOG_STATS", "0");
        settings.put("STATS_PERIOD", "30");
        settings.put("VERBOSE", "1");
        settings.put("STATS_USERS", "watcher");
        settings.put("SERVER_RESET_QUERY", "DISCARD ALL");
        settings.put("SERVER_RESET_QUERY_ALWAYS", "1");
        settings.put("SERVER_CHECK_DELAY", "10");
        settings.put("SERVER_CHECK_QUERY", "SELECT 1");
        settings.put("SERVER_LIFETIME", "1200");
        settings.put("SERVER_IDLE_TIMEOUT", "300");
        settings.put("SERVER_CONNECT_TIMEOUT", "5");
        settings.put("SERVER_LOGIN_RETRY", "2");
        settings.put("CLIENT_LOGIN_TIMEOUT", "20");
        settings.put("DNS_MAX_TTL", "20");
        settings.put("DNS_NXDOMAIN_TTL", "20");
        settings.put("CLIENT_TLS_SSLMODE", "disable");
        settings.put("SERVER_TLS_SSLMODE", "disable");
        settings.put("QUERY_TIMEOUT", "100");
        settings.put("QUERY_WAIT_TIMEOUT", "60");
        settings.put("CLIENT_IDLE_TIMEOUT", "900");
        settings.put("IDLE_TRANSACTION_TIMEOUT", "30");
        settings.put("MAX_PACKET_SIZE", "1048576");
        settings.put("LISTEN_BACKLOG", "64");
        settings.put("SUSPEND_TIMEOUT", "5");
        settings.put("TCP_KEEPALIVE", "1");
        settings.put("TCP_KEEPCNT", "3");
        settings.put("TCP_KEEPIDLE", "60");
        settings.put("TCP_KEEPINTVL", "10");
        settings.put("TCP_USER_TIMEOUT", "5000");
        settings.put("METRICS_PORT", "9127");
        Map<String, String> env = environment(FreePort.find());
        env.putAll(settings);
        env.put("DB_HOST", pg.host());
        env.put("DB_NAME", "mydb");
        env.put("CLIENT_ENCODING", "UTF8");

        JBouncerProcess.Exited exited = runEntrypoint(env, "true");
        assertEquals(0, exited.exitCode(), exited.output());
        Path ini = confDir.resolve("pgbouncer.ini");
        String text = Files.readString(ini);
        assertTrue(text.contains("mydb = host=" + pg.host() + " port=5432 client_encoding=UTF8\n"), text);
        settings.forEach((variable, value) -> assertTrue(
                text.contains("\n" + variable.toLowerCase(Locale.ROOT) + " = " + value + "\n"),
                () -> variable + " missing from\n" + text));
        assertTrue(text.contains("\nmetrics_addr = 0.0.0.0\n"), text);
        JBouncerProcess.Exited check = JBouncerProcess.run(confDir, "--check", ini.toString());
        assertEquals(0, check.exitCode(), check.output());
    }

    /** Runs the entrypoint with {@code args} to completion, with only {@code env} of the configuration variables. */
    private static JBouncerProcess.Exited runEntrypoint(Map<String, String> env, String... args) throws Exception {
        Path entrypoint = Path.of("..", "docker", "entrypoint.sh").toAbsolutePath().normalize();
        Path output = Files.createTempFile("jbouncer-entrypoint", ".out");
        List<String> command = new ArrayList<>(List.of(entrypoint.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().keySet().removeIf(name -> name.startsWith("DB_") || name.equals("DATABASE_URL"));
        builder.environment().putAll(env);
        builder.environment().put("JBOUNCER_JAR", System.getProperty(JBouncerProcess.JAR_PROPERTY));
        try {
            Process process = builder.start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the entrypoint did not exit");
            return new JBouncerProcess.Exited(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.delete(output);
        }
    }

    private Map<String, String> environment(int port) {
        Map<String, String> env = new HashMap<>();
        env.put("JBOUNCER_CONF_DIR", confDir.toString());
        env.put("LISTEN_PORT", Integer.toString(port));
        env.put("LISTEN_ADDR", "127.0.0.1");
        return env;
    }

    private static String currentUser(int port, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/"
                + PostgresCluster.DB + "?sslmode=disable&user=" + user + "&password=" + password);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_user")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

}
