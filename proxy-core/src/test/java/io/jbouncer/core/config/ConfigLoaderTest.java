package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private Config load(String text) throws Exception {
        return ConfigLoader.load(write("pgbouncer.ini", text));
    }

    private ConfigException failure(String text) {
        return assertThrows(ConfigException.class, () -> load(text));
    }

    private String file() {
        return dir.resolve("pgbouncer.ini").toString();
    }

    // ---- [pgbouncer] values

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "listen_port|0x1F90|8080", "listen_port|017|15", "unix_socket_mode|0700|448", "max_client_conn|+7|7",
        "default_pool_size|4294967297|1", "max_packet_size|-1|4294967295", "query_timeout|0.5|0.5",
        "query_timeout|1e2|100", "server_lifetime|1234567|1.23457e+06", "server_round_robin|2|2",
        "pool_mode|Transaction|transaction", "auth_type|SCRAM-SHA-256|scram-sha-256",
        "client_tls_sslmode|VERIFY-full|verify-full", "verbose|2|2", "logfile|''|''",
        "server_reset_query|DISCARD ALL ; not a comment|DISCARD ALL ; not a comment",
        "admin_users|a, b  c|a, b  c", "log_format|JSON|json"})
    void valuesAreParsedAndShownLikePgBouncer(String key, String value, String shown) throws Exception {
        Config config = load("[pgbouncer]\n" + key + " = " + value + "\n");
        assertEquals(shown, config.valueAsShown(key));
        assertEquals(Set.of(key), config.explicitlySetKeys());
    }

    @Test
    void typedAccessors() throws Exception {
        Config config = load("""
                [pgbouncer]
                listen_addr = 127.0.0.1,::1
                admin_users = a, b  c
                query_timeout = 0.5
                pool_mode = STATEMENT
                server_round_robin = 2
                tcp_keepalive = 0
                max_packet_size = -1
                verbose = 1
                auth_file = /etc/userlist.txt
                """);
        assertEquals("127.0.0.1,::1", config.listenAddr());
        assertEquals(List.of("a", "b", "c"), config.adminUsers());
        assertEquals(Duration.ofMillis(500), config.queryTimeout());
        assertEquals(PoolMode.STATEMENT, config.poolMode());
        assertTrue(config.serverRoundRobin());
        assertFalse(config.tcpKeepalive());
        assertEquals(4294967295L, config.maxPacketSize());
        assertEquals(1, config.verbose());
        assertEquals("/etc/userlist.txt", config.authFile());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "listen_port|12x|an integer", "listen_port|08|an integer", "listen_port|''|an integer",
        "server_round_robin|on|0 or 1", "tcp_keepalive|true|0 or 1", "query_timeout|-1|seconds >= 0",
        "query_timeout|5s|seconds >= 0", "pool_mode|bogus|one of session, transaction, statement",
        "auth_type|md4|one of any, trust, plain, md5, scram-sha-256", "client_tls_sslmode|on|verify-full",
        "max_packet_size|x|an unsigned integer", "auth_dbname|pgbouncer|reserved \"pgbouncer\"",
        "log_format|yaml|one of text, json (any case)",
        "io_transport|kqueue|one of auto, epoll, io_uring, nio (any case)"})
    void badValueStopsTheLoadWithFileLineKeyAndExpectation(String key, String value, String expected) {
        ConfigException e = failure("; comment\n[pgbouncer]\n" + key + " = " + value + "\n");
        assertEquals(file(), e.file());
        assertEquals(3, e.line());
        assertEquals(key, e.key());
        String pgbouncerText = "invalid value \"" + value + "\" for parameter " + key + " in configuration ("
                + file() + ":3)";
        assertTrue(e.getMessage().startsWith(file() + ":3: " + key + ": " + pgbouncerText + "; expected "),
                e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void unknownAndWrongCaseKeysAreErrors() {
        ConfigException e = failure("[pgbouncer]\nlisten_port = 1\nfoo = bar\n");
        assertEquals(file() + ":3: foo: unknown parameter: pgbouncer/foo", e.getMessage());
        assertEquals(3, e.line());
        assertEquals("foo", e.key());
        assertEquals("unknown parameter: pgbouncer/Listen_Port",
                failure("[pgbouncer]\nListen_Port = 1\n").detail());
    }

    @Test
    void laterLineWins() throws Exception {
        Config config = load("[pgbouncer]\nlisten_port = 1\nlisten_port = 2\n");
        assertEquals(2, config.listenPort());
    }

    @Test
    void secondPgbouncerSectionResetsKeysWithNonNullDefaults() throws Exception {
        Config config = load("""
                [pgbouncer]
                listen_port = 1
                auth_file = users.txt
                pool_mode = transaction
                [databases]
                app = host=h
                [pgbouncer]
                max_client_conn = 5
                """);
        assertEquals(6432, config.listenPort());
        assertEquals(PoolMode.SESSION, config.poolMode());
        assertEquals("users.txt", config.authFile(), "NULL-default keys are not reset by libusual");
        assertEquals(5, config.maxClientConn());
        assertEquals(Set.of("auth_file", "max_client_conn"), config.explicitlySetKeys());
        assertEquals(Set.of("app"), config.databases().keySet());
    }

    // ---- sections

    @Test
    void mainSectionIsRequired() {
        ConfigException e = failure("[databases]\napp = host=h\n");
        assertEquals(file() + ":0: main section missing from config file", e.getMessage());
    }

    @Test
    void unknownOrMiscasedSectionIsAnError() {
        ConfigException e = failure("[pgbouncer]\n\n[Databases]\n");
        assertEquals(3, e.line());
        assertEquals("", e.key());
        assertEquals("invalid section \"Databases\" in configuration (" + file() + ":3)", e.detail());
        assertEquals("invalid section \" pgbouncer \" in configuration (" + file() + ":1)",
                failure("[ pgbouncer ]\n").detail());
    }

    @Test
    void valueBeforeAnySection() {
        ConfigException e = failure("listen_port = 1\n[pgbouncer]\n");
        assertEquals("listen_port", e.key());
        assertEquals(1, e.line());
    }

    @Test
    void sectionsMayComeInAnyOrderAndRepeat() throws Exception {
        Config config = load("[databases]\na = \n[peers]\n1 = host=h\n[pgbouncer]\n[users]\nu = pool_size=1\n"
                + "[databases]\nb = \n");
        assertEquals(List.of("a", "b"), List.copyOf(config.databases().keySet()));
        assertEquals(Set.of(1), config.peers().keySet());
        assertEquals(Set.of("u"), config.users().keySet());
    }

    // ---- %include

    @Test
    void includeAppliesInPlaceAndLaterLinesWin() throws Exception {
        Path inc = write("inc.ini", "listen_port = 7000\nmax_client_conn = 9\n");
        Config config = load("[pgbouncer]\nlisten_port = 1\n%include " + inc + "\nmax_client_conn = 10\n");
        assertEquals(7000, config.listenPort());
        assertEquals(10, config.maxClientConn());
    }

    @Test
    void includeRelativeToWorkingDirectory() throws Exception {
        Path inc = write("dbs.ini", "[databases]\napp = dbname=real\n");
        Path relative = Path.of(System.getProperty("user.dir")).toAbsolutePath().relativize(inc.toAbsolutePath());
        Config config = load("[pgbouncer]\n%include " + relative + "\n");
        assertEquals("real", config.databases().get("app").dbname());
    }

    @Test
    void badValueInIncludedFileNamesThatFile() throws Exception {
        Path inc = write("inc.ini", "\nlisten_port = x\n");
        ConfigException e = failure("[pgbouncer]\n%include " + inc + "\n");
        assertEquals(inc.toString(), e.file());
        assertEquals(2, e.line());
        assertEquals("listen_port", e.key());
    }

    // ---- [databases]

    @Test
    void databaseConnectionString() throws Exception {
        Config config = load("""
                [pgbouncer]
                [databases]
                app = host=db1,db2 port=6000 dbname=real user=u password='it''s secret' pool_size=5 \
                min_pool_size=1 reserve_pool=3 max_db_connections=7 max_db_client_connections=8 server_lifetime=60 \
                pool_mode=Transaction connect_query='SELECT 1' client_encoding=UTF8 datestyle=ISO timezone=UTC \
                application_name=x auth_user=au auth_query='SELECT 2' auth_dbname=adb load_balance_hosts=Disable \
                query_wait_timeout=0
                'my db' = reserve_pool_size = 4  pool_size=junk
                """);
        DatabaseDef app = config.databases().get("app");
        assertEquals(new DatabaseDef("app", "db1,db2", 6000, "real", "u", "it's secret", 5, 1, 3, 7, 8, 60,
                PoolMode.TRANSACTION, "SELECT 1", "UTF8", "ISO", "UTC", "x", "au", "SELECT 2", "adb", "disable",
                TargetSessionAttrs.ANY, Duration.ZERO), app);
        DatabaseDef myDb = config.databases().get("my db");
        assertEquals(new DatabaseDef("my db", null, 5432, "my db", null, null, 0, -1, 4, 0, 0, 0, null, null, null,
                null, null, null, null, null, null, "round-robin", TargetSessionAttrs.ANY, null), myDb);
        assertFalse(app.toString().contains("secret"));
    }

    @Test
    void emptyConnectionStringUsesDefaults() throws Exception {
        DatabaseDef db = load("[pgbouncer]\n[databases]\napp =\n").databases().get("app");
        assertEquals("app", db.dbname());
        assertNull(db.host());
        assertEquals(5432, db.port());
        assertEquals(-1, db.poolSize());
    }

    @Test
    void laterDatabaseDefinitionWinsButKeepsPositionAndForcedUser() throws Exception {
        Config config = load("[pgbouncer]\n[databases]\na = user=u password=p\nb =\na = dbname=x\n");
        assertEquals(List.of("a", "b"), List.copyOf(config.databases().keySet()));
        DatabaseDef a = config.databases().get("a");
        assertEquals("x", a.dbname());
        assertEquals("u", a.user());
        assertEquals("p", a.password());
        assertEquals(1, config.warnings().size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "app = host=h foo=1|app|unrecognized connection parameter: foo",
        "app = Host=h|app|unrecognized connection parameter: Host",
        "app = host=|app|syntax error in connection string",
        "app = host='x|app|syntax error in connection string",
        "app = port=0|app|invalid port: 0",
        "app = port=abc|app|invalid port: abc",
        "app = pool_mode=bogus|app|invalid pool mode: bogus",
        "app = load_balance_hosts=random|app|invalid load_balance_hosts: random",
        "pgbouncer = host=h|pgbouncer|database name \"pgbouncer\" is reserved"})
    void badDatabaseLineFailsTheLoad(String line, String key, String detail) {
        ConfigException e = failure("[pgbouncer]\n[databases]\n" + line + "\n");
        assertEquals(3, e.line());
        assertEquals(key, e.key());
        String value = line.substring(line.indexOf('=') + 1).strip();
        assertEquals(file() + ":3: " + key + ": " + detail + "; invalid value \"" + value + "\" for parameter "
                + key + " in configuration (" + file() + ":3)", e.getMessage());
    }

    @Test
    void databaseNameAtMost63Bytes() throws Exception {
        String ok = "d".repeat(63);
        assertTrue(load("[pgbouncer]\n[databases]\n" + ok + " =\n").databases().containsKey(ok));
        String tooLong = "é".repeat(32);
        assertEquals("too long db name: " + tooLong, failure("[pgbouncer]\n[databases]\n'" + tooLong + "' =\n")
                .detail().split(";")[0]);
    }

    @Test
    void fallbackDatabase() throws Exception {
        Config config = load("[pgbouncer]\n[databases]\n* = host=h port=6000\n");
        DatabaseDef star = config.databases().get("*");
        assertNull(star.dbname());
        assertEquals("host=h port=6000", config.autodbConnstr());
        DatabaseDef auto = star.forAutoDatabase("sales");
        assertEquals("sales", auto.name());
        assertEquals("sales", auto.dbname());
        assertEquals(6000, auto.port());
        assertEquals("fixed", load("[pgbouncer]\n[databases]\n* = dbname=fixed\n").databases().get("*")
                .forAutoDatabase("sales").dbname());
    }

    @Test
    void badFallbackIsOnlyAWarningAsInPgBouncer() throws Exception {
        Config config = load("[pgbouncer]\n[databases]\n* = host=h\n* = port=0\n");
        assertFalse(config.databases().containsKey("*"));
        assertEquals("port=0", config.autodbConnstr());
        assertTrue(config.warnings().get(0).contains("invalid port: 0"), config.warnings().toString());
    }

    @Test
    void authTypeAnyWithoutForcedUserIsNotALoadError() throws Exception {
        Config config = load("[pgbouncer]\nauth_type = any\n[databases]\napp = host=h\n");
        assertEquals(AuthType.ANY, config.authType());
        assertNull(config.databases().get("app").user());
    }

    // ---- [users]

    @Test
    void userSettings() throws Exception {
        Config config = load("""
                [pgbouncer]
                [users]
                app = pool_mode=session max_user_connections=5 pool_size=3 reserve_pool_size=2 query_timeout=10 \
                idle_transaction_timeout=11 client_idle_timeout=12 max_user_client_connections=13 \
                transaction_timeout=14 query_wait_timeout=0
                other =
                """);
        assertEquals(new UserDef("app", PoolMode.SESSION, 5, 3, 2, Duration.ofSeconds(10), Duration.ofSeconds(11),
                Duration.ofSeconds(12), 13, Duration.ofSeconds(14), Duration.ZERO), config.users().get("app"));
        assertEquals(new UserDef("other", null, -1, -1, -1, null, null, null, -1, null, null),
                config.users().get("other"));
    }

    @Test
    void badUserLines() {
        assertEquals("unrecognized user parameter: host",
                failure("[pgbouncer]\n[users]\napp = host=x\n").detail().split(";")[0]);
        assertEquals("syntax error in user settings",
                failure("[pgbouncer]\n[users]\napp = pool_size\n").detail().split(";")[0]);
        assertEquals("invalid pool mode: x", failure("[pgbouncer]\n[users]\napp = pool_mode=x\n").detail()
                .split(";")[0]);
    }

    // ---- [peers]

    @Test
    void peers() throws Exception {
        Config config = load("[pgbouncer]\n[peers]\n2 = host=/tmp/b\n1 = host=h port=6433 pool_size=4\n"
                + "65535 = host=x\n");
        assertEquals(List.of(1, 2, 65535), List.copyOf(config.peers().keySet()));
        assertEquals(new PeerDef(1, "h", 6433, 4), config.peers().get(1));
        assertEquals(new PeerDef(2, "/tmp/b", 6432, -1), config.peers().get(2));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1 = port=1|host was not provided for peer 1",
        "0 = host=h|ids of peers must be a number larger than 0 and at most 65536",
        "65536 = host=h|ids of peers must be a number larger than 0 and at most 65536",
        "abc = host=h|ids of peers must be a number larger than 0 and at most 65536",
        "1 = host=h user=u|unrecognized connection parameter: user",
        "1 = host=h port=x|invalid port: x"})
    void badPeerLines(String line, String detail) {
        ConfigException e = failure("[pgbouncer]\n[peers]\n" + line + "\n");
        assertEquals(3, e.line());
        assertEquals(detail, e.detail().split(";")[0]);
    }

    // ---- misc

    @Test
    void valueAsShownRejectsUnknownKeys() throws Exception {
        Config config = load("[pgbouncer]\n");
        assertThrows(IllegalArgumentException.class, () -> config.valueAsShown("nope"));
    }

    @Test
    void missingFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("no.ini")));
        assertEquals(0, e.line());
        assertEquals("", e.key());
    }

    @Test
    void shippedSampleConfigLoads() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("conf/pgbouncer.ini"))) {
            root = root.getParent();
        }
        assertNotNull(root, "conf/pgbouncer.ini not found above " + System.getProperty("user.dir"));
        Config config = ConfigLoader.load(root.resolve("conf/pgbouncer.ini"));
        assertEquals("127.0.0.1", config.listenAddr());
        assertEquals(6432, config.listenPort());
        assertEquals(AuthType.MD5, config.authType());
        assertEquals("conf/userlist.txt", config.authFile());
        assertEquals(List.of("admin"), config.adminUsers());
        assertEquals(PoolMode.SESSION, config.poolMode());
        assertEquals(20, config.defaultPoolSize());
        assertEquals("", config.logfile());
        assertEquals(new DatabaseDef("app", "localhost", 5432, "app", null, null, -1, -1, -1, 0, 0, 0, null, null,
                null, null, null, null, null, null, null, "round-robin", TargetSessionAttrs.ANY, null),
                config.databases().get("app"));
        assertEquals(List.of(), config.warnings());

        AuthFile.Result users = AuthFile.read(root.resolve(config.authFile()));
        assertFalse(users.broken());
        assertEquals("app", users.users().get("app"));
        assertEquals("admin", users.users().get("admin"));
    }
}
