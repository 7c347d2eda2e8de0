package io.jbouncer.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jbouncer.core.config.ReplicationMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupParametersTest {
    private static final String BAD_OPTIONS =
            "unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed";

    /** PgBouncer's defaults: track_extra_parameters = IntervalStyle, ignore_startup_parameters empty. */
    private final StartupParameters defaults = new StartupParameters(List.of("IntervalStyle"), List.of());

    @Test
    void connectionParametersAreAcceptedAndNotTracked() {
        StartupParameters.Result result = defaults.check(params("user", "u", "database", "d",
                "replication", "off", "_pq_.protocol_managed_params", "x"));
        assertNull(result.error());
        assertEquals(Map.of(), result.tracked());
    }

    /** replication is read as PostgreSQL reads it: database is logical, a true boolean physical. */
    @Test
    void replicationIsReadIntoItsMode() {
        assertEquals(ReplicationMode.LOGICAL, defaults.check(params("user", "u", "replication", "database"))
                .replication());
        for (String value : List.of("true", "on", "yes", "1")) {
            StartupParameters.Result result = defaults.check(params("user", "u", "replication", value));
            assertNull(result.error(), value);
            assertEquals(ReplicationMode.PHYSICAL, result.replication(), value);
        }
        for (String value : List.of("false", "OFF", "no", "0")) {
            assertEquals(ReplicationMode.NONE, defaults.check(params("user", "u", "replication", value))
                    .replication(), value);
        }
    }

    @Test
    void trackedParametersAreKeptUnderTheirCanonicalNames() {
        StartupParameters.Result result = defaults.check(params("user", "u", "datestyle", "ISO, MDY",
                "CLIENT_ENCODING", "UTF8", "TimeZone", "UTC", "standard_conforming_strings", "on",
                "application_name", "psql", "intervalstyle", "iso_8601"));
        assertNull(result.error());
        assertEquals(params("DateStyle", "ISO, MDY", "client_encoding", "UTF8", "TimeZone", "UTC",
                "standard_conforming_strings", "on", "application_name", "psql", "IntervalStyle", "iso_8601"),
                result.tracked());
    }

    @Test
    void extraTrackedParameterKeepsItsConfiguredSpelling() {
        StartupParameters custom = new StartupParameters(List.of("IntervalStyle", "search_path"), List.of());
        assertEquals("search_path", custom.trackedName("SEARCH_PATH"));
        assertEquals("DateStyle", custom.trackedName("DATESTYLE"));
        assertNull(custom.trackedName("work_mem"));
    }

    @Test
    void unknownParameterIsRefused() {
        assertEquals("unsupported startup parameter: extra_float_digits",
                defaults.check(params("user", "u", "extra_float_digits", "3")).error());
    }

    @Test
    void ignoredParameterIsAcceptedAndDropped() {
        StartupParameters ignoring = new StartupParameters(List.of(), List.of("extra_float_digits"));
        StartupParameters.Result result = ignoring.check(params("user", "u", "extra_float_digits", "3"));
        assertNull(result.error());
        assertEquals(Map.of(), result.tracked());
    }

    @Test
    void optionsWithSeparateC() {
        assertTracked(params("TimeZone", "UTC", "DateStyle", "ISO"), "-c TimeZone=UTC -c datestyle=ISO");
    }

    @Test
    void optionsWithAttachedC() {
        assertTracked(params("TimeZone", "UTC"), "-cTimeZone=UTC");
    }

    @Test
    void optionsWithDoubleDash() {
        assertTracked(params("application_name", "app"), "--application_name=app");
    }

    @Test
    void optionsSurroundedByWhitespaceOrEmpty() {
        assertTracked(params("TimeZone", "UTC"), "   -c  TimeZone=UTC  ");
        assertTracked(Map.of(), "");
        assertTracked(Map.of(), "   ");
    }

    @Test
    void optionsValueMayContainEquals() {
        assertTracked(params("application_name", "a=b"), "-c application_name=a=b");
    }

    @Test
    void optionsOverrideEarlierValuesInOrder() {
        StartupParameters.Result result = defaults.check(params("TimeZone", "UTC", "options", "-c TimeZone=CET"));
        assertEquals(params("TimeZone", "CET"), result.tracked());
    }

    @Test
    void optionsOtherThanSettingsAreRefused() {
        assertEquals(BAD_OPTIONS, defaults.check(params("options", "-x")).error());
        assertEquals(BAD_OPTIONS, defaults.check(params("options", "TimeZone=UTC")).error());
        assertEquals(BAD_OPTIONS, defaults.check(params("options", "-c")).error(), "-c without a setting");
        assertEquals(BAD_OPTIONS, defaults.check(params("options", "-c TimeZone")).error(), "no '='");
        assertEquals(BAD_OPTIONS, defaults.check(params("options", "--=x")).error(), "empty name");
    }

    @Test
    void unknownSettingInOptionsIsRefused() {
        assertEquals("unsupported startup parameter in options: work_mem",
                defaults.check(params("options", "-c work_mem=64MB")).error());
    }

    @Test
    void ignoredSettingInOptionsIsDropped() {
        StartupParameters ignoring = new StartupParameters(List.of(), List.of("work_mem"));
        StartupParameters.Result result = ignoring.check(params("options", "-c work_mem=64MB -c TimeZone=UTC"));
        assertNull(result.error());
        assertEquals(params("TimeZone", "UTC"), result.tracked());
    }

    @Test
    void ignoringOptionsSkipsItsContentEntirely() {
        StartupParameters ignoring = new StartupParameters(List.of(), List.of("options"));
        StartupParameters.Result result = ignoring.check(params("options", "-c work_mem=1 -c TimeZone=UTC garbage"));
        assertNull(result.error());
        assertEquals(Map.of(), result.tracked());
    }

    @Test
    void refusalCarriesNoTrackedValues() {
        StartupParameters.Result result = defaults.check(params("TimeZone", "UTC", "bogus", "1"));
        assertEquals(Map.of(), result.tracked());
    }

    private void assertTracked(Map<String, String> expected, String options) {
        StartupParameters.Result result = defaults.check(params("user", "u", "options", options));
        assertNull(result.error(), options);
        assertEquals(expected, result.tracked(), options);
    }

    private static Map<String, String> params(String... namesAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return map;
    }
}
