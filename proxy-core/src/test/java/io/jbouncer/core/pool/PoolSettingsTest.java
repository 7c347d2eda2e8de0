package io.jbouncer.core.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.config.PoolMode;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** What {@link PoolSettings} works out when it is built, for the check-in and hand-out paths. */
class PoolSettingsTest {
    private static PoolSettings settings(PoolMode mode, String resetQuery, Duration lifetime, String checkQuery) {
        return settings(mode, resetQuery, false, lifetime, checkQuery);
    }

    private static PoolSettings settings(PoolMode mode, String resetQuery, boolean resetAlways, Duration lifetime,
            String checkQuery) {
        return PoolSettings.of(mode, 20, 0, Duration.ZERO, 0, resetQuery, resetAlways, false, lifetime,
                Duration.ofMinutes(10), Duration.ofSeconds(15), Duration.ofSeconds(15), false, Duration.ofSeconds(30),
                checkQuery, Duration.ofSeconds(120), false, false);
    }

    /** The file allows times up to Long.MAX_VALUE microseconds: a lifetime past what nanoseconds hold is forever. */
    @Test
    void aLifetimeTooLongForNanosecondsIsForever() {
        Duration longest = Duration.of(Long.MAX_VALUE, ChronoUnit.MICROS);
        assertEquals(Long.MAX_VALUE, settings(PoolMode.TRANSACTION, "", longest, "").serverLifetimeNanos());
        assertEquals(3_600_000_000_000L,
                settings(PoolMode.TRANSACTION, "", Duration.ofHours(1), "").serverLifetimeNanos());
    }

    @Test
    void theResetQueryRunsInSessionModeOnlyUnlessAlways() {
        Duration hour = Duration.ofHours(1);
        assertEquals("DISCARD ALL", settings(PoolMode.SESSION, "DISCARD ALL", hour, "").releaseResetQuery());
        assertNull(settings(PoolMode.TRANSACTION, "DISCARD ALL", hour, "").releaseResetQuery());
        assertEquals("DISCARD ALL",
                settings(PoolMode.TRANSACTION, "DISCARD ALL", true, hour, "").releaseResetQuery(), "always");
        assertNull(settings(PoolMode.SESSION, "", true, hour, "").releaseResetQuery(), "no reset query");
    }

    @Test
    void anIdleServerIsCheckedOnlyWithACheckQueryAndAfterTheDelay() {
        PoolSettings checking = settings(PoolMode.TRANSACTION, "", Duration.ofHours(1), "select 1");
        long idleSince = 1_000_000_000_000L;
        long delay = Duration.ofSeconds(30).toNanos();
        assertFalse(checking.needsCheck(idleSince, idleSince + delay - 1));
        assertTrue(checking.needsCheck(idleSince, idleSince + delay));
        assertFalse(settings(PoolMode.TRANSACTION, "", Duration.ofHours(1), "").needsCheck(idleSince,
                idleSince + 2 * delay), "no check query: never checked");
        assertFalse(settings(PoolMode.TRANSACTION, "", Duration.ofHours(1), null).needsCheck(idleSince,
                idleSince + 2 * delay), "server_check_query unset: never checked");
    }
}
