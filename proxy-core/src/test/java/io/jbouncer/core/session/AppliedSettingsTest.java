package io.jbouncer.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppliedSettingsTest {
    private final AppliedSettings server = new AppliedSettings();

    private static Map<String, TrackedSetting> settings(String... sets) {
        Map<String, TrackedSetting> settings = new LinkedHashMap<>();
        for (String sql : sets) {
            TrackedSetting setting = ((SessionCommand.Set) SessionStatements.ofParse(sql)).setting();
            settings.put(setting.key(), setting);
        }
        return settings;
    }

    private String changeTo(Map<String, TrackedSetting> wanted) {
        StringBuilder sql = new StringBuilder();
        server.changeTo(wanted, sql);
        return sql.toString();
    }

    @Test
    void aFreshServerGetsTheClientsSettingsAndNothingTheSecondTime() {
        Map<String, TrackedSetting> wanted = settings("SET search_path = 't1', public", "SET statement_timeout = 50");
        assertEquals("SET search_path TO 't1', public;SET statement_timeout TO 50;", changeTo(wanted));
        assertSame(wanted, server.current());
        assertEquals("", changeTo(wanted));
        assertEquals("", changeTo(settings("SET search_path = 't1', public", "SET statement_timeout = 50")));
    }

    @Test
    void settingsOfTheLastClientAreResetAndChangedOnesReapplied() {
        changeTo(settings("SET search_path = a", "SET ROLE r", "SET work_mem = '1MB'"));
        assertEquals("RESET ROLE;RESET work_mem;SET search_path TO b;", changeTo(settings("SET search_path = b")));
        assertEquals("RESET search_path;", changeTo(Map.of()));
    }

    @Test
    void aSessionAuthorizationComesBeforeTheRoleItWouldReset() {
        changeTo(settings("SET ROLE r"));
        assertEquals("SET SESSION AUTHORIZATION alice;SET ROLE r;",
                changeTo(settings("SET ROLE r", "SET SESSION AUTHORIZATION alice")));
        assertEquals("RESET SESSION AUTHORIZATION;SET ROLE r;", changeTo(settings("SET ROLE r")));
    }

    @Test
    void theResetQueryTakesAwayWhatItResets() {
        changeTo(settings("SET search_path = a", "SET ROLE r"));
        server.afterReset("RESET ALL");
        assertEquals(settings("SET ROLE r"), server.current());
        server.afterReset("DISCARD ALL");
        assertEquals(Map.of(), server.current());
    }
}
