package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.Psql;
import io.jbouncer.it.support.PsqlConsole;
import io.jbouncer.it.support.TestRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

/**
 * Issue 12 through a real process: a setting whose value asks for behaviour jbouncer lacks is never accepted and
 * ignored. Start-up exits non-zero with one FATAL line per setting, {@code --check} names each at its line, a reload
 * to such a file is rejected while the old configuration keeps serving, and the console's SET refuses it. (Each
 * refused value on its own is covered by {@code SettingSupportTest}.)
 */
class UnsupportedSettingsIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();

    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(10);
    private static final String ADMIN = "unsupported_admin";
    private static final String ADMIN_PASS = "unsupported_admin_pass";
    /** Values that ask for what jbouncer lacks (PAM, syslog, a TLS key-exchange group, resolv.conf). */
    private static final Map<String, String> REFUSED = Map.of(
            "client_tls_ecdhcurve", "secp384r1",
            "resolv_conf", "/etc/resolv.conf",
            "auth_type", "pam",
            "syslog", "1");

    private static final PostgresCluster pg = PostgresCluster.shared();
    private static TestRole user;

    @BeforeAll
    static void roles() throws SQLException {
        user = TestRole.create(pg, "unsupported_user");
    }

    private static JBouncerConfig servingConfig() {
        return JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", ADMIN)
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(user.name(), user.password())
                .user(ADMIN, ADMIN_PASS);
    }

    private static JBouncerConfig withRefusedValues(JBouncerConfig config) {
        REFUSED.forEach(config::set);
        return config;
    }

    @Test
    void startUpExitsWithOneFatalLinePerRefusedSetting() {
        Path ini = withRefusedValues(servingConfig()).write();

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), ini.toString());

        assertNotEquals(0, exited.exitCode(), exited.output());
        REFUSED.forEach((key, value) -> assertTrue(exited.output().contains(
                "FATAL " + key + " = " + value + " is not supported by jbouncer yet ("), exited.output()));
        assertFalse(exited.output().contains("listening on"), "it must not serve: " + exited.output());
    }

    @Test
    void checkNamesEveryRefusedSettingAtItsLine() throws IOException {
        Path ini = withRefusedValues(servingConfig()).write();

        JBouncerProcess.Exited exited = JBouncerProcess.run(ini.getParent(), "--check", ini.toString());

        assertEquals(1, exited.exitCode(), exited.output());
        List<String> lines = Files.readAllLines(ini);
        for (Map.Entry<String, String> refused : REFUSED.entrySet()) {
            String setting = refused.getKey() + " = " + refused.getValue();
            int line = lines.indexOf(setting) + 1;
            assertTrue(exited.output().contains(ini + ":" + line + ": " + setting + " is not supported by jbouncer"
                    + " yet ("), exited.output());
        }
    }

    @Test
    void reloadToRefusedValuesIsRejectedWholeAndTheOldConfigurationServes() throws SQLException {
        JBouncerConfig config = servingConfig();
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            bouncer.awaitSignalHandlers();
            withRefusedValues(config).set("default_pool_size", "3").write();

            bouncer.signal("HUP");
            assertTrue(bouncer.awaitLog("ERROR config file loading failed: client_tls_ecdhcurve = secp384r1 is not"
                    + " supported by jbouncer yet", RELOAD_TIMEOUT), bouncer::log);
            Psql.Result reload = console(config).run("RELOAD");

            assertEquals(1, reload.exitCode(), reload.stdout());
            assertTrue(reload.stderr().contains("ERROR:  F0000: RELOAD failed, see logs for additional details: "),
                    reload.stderr());
            assertTrue(reload.stderr().contains("resolv_conf = /etc/resolv.conf is not supported"), reload.stderr());
            Map<String, String> state = console(config).state();
            assertEquals("failed", state.get("last_reload_result"), state::toString);
            assertTrue(state.get("last_reload_message").contains("syslog = 1 is not supported"), state::toString);
            try (Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
                assertEquals("auto", configValue(console, "client_tls_ecdhcurve"));
                assertEquals("20", configValue(console, "default_pool_size"), "nothing of the file was applied");
            }
            assertEquals(1, selectOne(config.port()));
        }
    }

    @Test
    void consoleSetToARefusedValueFailsAndChangesNothing() throws SQLException {
        JBouncerConfig config = servingConfig();
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection console = AdminConsole.connect(config.port(), ADMIN, ADMIN_PASS)) {
            PSQLException refused = assertThrows(PSQLException.class,
                    () -> AdminConsole.command(console, "SET syslog = 1"));

            assertEquals("SET failed", refused.getServerErrorMessage().getMessage());
            assertEquals("0", configValue(console, "syslog"));
            assertTrue(bouncer.awaitLog("ERROR SET syslog failed: syslog = 1 is not"
                    + " supported by jbouncer yet", RELOAD_TIMEOUT), bouncer::log);
            assertEquals(1, selectOne(config.port()));
        }
    }

    /** A C-internals knob warns once at start-up, not per connection, and changes nothing. */
    @Test
    void harmlessKnobWarnsOnceAtStartUp() throws SQLException {
        JBouncerConfig config = servingConfig().set("pkt_buf", "8192");
        try (JBouncerProcess bouncer = BOUNCERS.start(config)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(1, selectOne(config.port()));
            }

            String warning = "WARNING pkt_buf is accepted for compatibility and has no effect";
            assertEquals(1, bouncer.log().split(warning, -1).length - 1, bouncer::log);
        }
    }

    private static PsqlConsole console(JBouncerConfig config) {
        return PsqlConsole.unixSocket(pg, config, ADMIN, ADMIN_PASS);
    }

    private static String configValue(Connection console, String key) throws SQLException {
        return AdminConsole.row(console, "SHOW CONFIG", "key", key).get("value");
    }

    private static int selectOne(int port) throws SQLException {
        try (Connection c = user.connect(port, PostgresCluster.DB);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
