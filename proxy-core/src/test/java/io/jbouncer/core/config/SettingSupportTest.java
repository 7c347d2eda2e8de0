package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The support table: every setting of {@link Settings} (which {@code SettingsTest} holds to PgBouncer's list) is in
 * exactly one class, each refused value is refused naming its setting, and what jbouncer implements is not.
 */
class SettingSupportTest {

    @TempDir
    Path dir;

    private Config load(String text) throws Exception {
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, text);
        return ConfigLoader.load(ini);
    }

    @Test
    void everySettingHasExactlyOneClassAndNothingElseIsClassified() {
        List<String> settings = Settings.all().stream().map(SettingDef::name).toList();
        assertEquals(settings, List.copyOf(SettingSupport.all().keySet()),
                "a setting added to Settings needs a row in SettingSupport, in the same order");
        SettingSupport.all().forEach((name, support) -> {
            assertNotNull(support.level(), name);
            boolean refusable = support.level() == SettingSupport.Level.REFUSED_WHEN;
            assertEquals(refusable, !support.when().isEmpty(), name + ": only refused rows say when");
            assertEquals(support.level() == SettingSupport.Level.IMPLEMENTED, support.reason().isEmpty(),
                    name + ": rows that are not implemented say why");
        });
    }

    /** PgBouncer's defaults ask for nothing jbouncer lacks: a file that sets nothing starts. */
    @Test
    void defaultsAreNeverRefused() throws Exception {
        assertEquals(List.of(), SettingSupport.refusals(load("[pgbouncer]\n")));
    }

    static Stream<Arguments> refusedValues() {
        return Stream.of(
                Arguments.of("client_tls_ecdhcurve = prime256v1", "client_tls_ecdhcurve = prime256v1"),
                Arguments.of("client_tls_dheparams = none", "client_tls_dheparams = none"),
                Arguments.of("auth_type = pam", "auth_type = pam"),
                Arguments.of("syslog = 1", "syslog = 1"),
                Arguments.of("peer_id = 65536", "peer_id = 65536"),
                Arguments.of("resolv_conf = /etc/resolv.conf", "resolv_conf = /etc/resolv.conf"),
                Arguments.of("user = " + otherUser(), "user = " + otherUser()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedValues")
    void refusedValueIsNamedAndSaidToBeUnsupported(String line, String named) throws Exception {
        List<SettingSupport.Refusal> refusals = SettingSupport.refusals(load("[pgbouncer]\n" + line + "\n"));

        assertEquals(1, refusals.size(), refusals::toString);
        assertEquals("pgbouncer", refusals.get(0).section());
        assertTrue(refusals.get(0).message().startsWith(named), refusals.get(0).message());
        assertTrue(refusals.get(0).message().contains("is not supported by jbouncer yet ("),
                refusals.get(0).message());
    }

    static Stream<String> acceptedValues() {
        return Stream.of("client_tls_sslmode = disable", "server_tls_sslmode = disable", "auth_type = md5",
                "auth_type = scram-sha-256", "auth_type = trust", "auth_type = plain", "auth_type = hba",
                "auth_hba_file = /etc/pgbouncer/hba.conf", "auth_type = ldap", "auth_ldap_options = ldapserver=x",
                "client_tls_sslmode = require", "client_tls_sslmode = verify-full", "server_tls_sslmode = prefer",
                "server_tls_sslmode = verify-full", "auth_type = cert", "client_tls_ecdhcurve = auto",
                "syslog = 0", "peer_id = 0", "peer_id = 1", "peer_id = 65535", "max_db_client_connections = 10", "max_user_client_connections = 10",
                "pool_idle_timeout = 30", "autodb_idle_timeout = 60", "server_fast_close = 1", "pkt_buf = 8192",
                "cancel_wait_timeout = 3", "query_wait_notify = 1", "tcp_keepidle = 30", "verbose = 2",
                "login_notify_message = hello", "disable_pqexec = 1", "so_reuseport = 1",
                "auth_query = SELECT 1", "auth_ident_file = /etc/pgbouncer/ident.map", "auth_user = pgbouncer_auth", "auth_dbname = postgres",
                "user = " + System.getProperty("user.name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedValues")
    void implementedOrHarmlessValueIsAccepted(String line) throws Exception {
        assertEquals(List.of(), SettingSupport.refusals(load("[pgbouncer]\n" + line + "\n")));
    }

    /** Every key of [databases] and [users] is implemented: an entry is never refused. */
    @Test
    void databaseAndUserKeysAreNeverRefused() throws Exception {
        List<SettingSupport.Refusal> refusals = SettingSupport.refusals(load("""
                [databases]
                multi = host=a,b port=5432 load_balance_hosts=disable
                checked = host=127.0.0.1 connect_query='SELECT 1' max_db_client_connections=5
                looked = auth_user=lookup auth_query='SELECT 1' auth_dbname=postgres
                [users]
                capped = max_user_client_connections=2 pool_mode=transaction
                [pgbouncer]
                """));

        assertEquals(List.of(), refusals);
    }

    @Test
    void harmlessKnobsWarnOnceWhenTheFileSetsThem() throws Exception {
        List<String> warnings = SettingSupport.startupWarnings(load("""
                [pgbouncer]
                server_tls_sslmode = disable
                pkt_buf = 8192
                sbuf_loopcnt = 10
                default_pool_size = 5
                """));

        assertEquals(List.of(
                "pkt_buf is accepted for compatibility and has no effect (Netty sizes its buffers itself)",
                "sbuf_loopcnt is accepted for compatibility and has no effect (Netty decides how often it reads a"
                        + " socket per loop)"), warnings);
    }

    /** TLS is implemented on both sides: PgBouncer's default server_tls_sslmode = prefer needs no warning. */
    @Test
    void defaultServerTlsPreferIsAcceptedSilently() throws Exception {
        Config config = load("[pgbouncer]\n");

        assertTrue(SettingSupport.refusals(config).isEmpty());
        assertEquals(List.of(), SettingSupport.startupWarnings(config));
    }

    @Test
    void consoleSetToARefusedValueIsSeenInTheChangedSnapshot() throws Exception {
        Config changed = load("[pgbouncer]\n").withSetting("client_tls_ecdhcurve", "secp384r1");

        assertFalse(SettingSupport.refusals(changed).isEmpty());
    }

    /** docs/settings.md lists each refused and each no-effect setting in its section, so it cannot drift. */
    @Test
    void userDocumentationListsEveryRefusedAndHarmlessSetting() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "settings.md"));
        String refused = doc.substring(doc.indexOf("## Refused"), doc.indexOf("## No effect"));
        String noEffect = doc.substring(doc.indexOf("## No effect"), doc.indexOf("## Implemented since"));
        SettingSupport.all().forEach((name, support) -> {
            String cell = "`" + name + "`";
            switch (support.level()) {
                case REFUSED_WHEN -> assertTrue(refused.contains(cell), name + " missing under Refused");
                case NO_EFFECT -> assertTrue(noEffect.contains(cell), name + " missing under No effect");
                case IMPLEMENTED -> assertFalse(refused.contains("| " + cell) || noEffect.contains(cell),
                        name + " is implemented but documented as not");
            }
        });
    }

    private static String otherUser() {
        return "root".equals(System.getProperty("user.name")) ? "nobody" : "root";
    }
}
