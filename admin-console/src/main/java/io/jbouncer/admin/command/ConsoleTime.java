package io.jbouncer.admin.command;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * PgBouncer's timestamp text ({@code format_time_s}: {@code YYYY-MM-DD HH:MM:SS TZ} in local time), where an
 * unset time (0) prints as now.
 */
final class ConsoleTime {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    private ConsoleTime() {
    }

    static String format(long epochMillis) {
        Instant instant = epochMillis == 0 ? Instant.now() : Instant.ofEpochMilli(epochMillis);
        return FORMAT.format(instant.atZone(ZoneId.systemDefault()));
    }
}
