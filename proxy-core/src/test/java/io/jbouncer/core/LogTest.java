package io.jbouncer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.config.LogFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log lines in PgBouncer's text format and in the JSON format ({@code log_format}), and JSON string escaping. */
class LogTest {

    private static final ZonedDateTime TIME =
            ZonedDateTime.of(2025, 3, 4, 5, 6, 7, 89_000_000, ZoneId.of("Europe/Berlin"));
    private static final long PID = 4242;

    @AfterEach
    void restoreDefaults() throws Exception {
        Log.setFormat(LogFormat.TEXT);
        Log.setLogFile("");
        Log.setQuiet(false);
    }

    @Test
    void textIsPgBouncersFormat() {
        assertEquals("2025-03-04 05:06:07.089 CET [4242] WARNING C-ab12: db/u@127.0.0.1:5000 pooler error: x",
                LogLine.render(LogFormat.TEXT, TIME, PID, Log.Level.WARNING,
                        "C-ab12: db/u@127.0.0.1:5000 pooler error: x"));
    }

    @Test
    void jsonHasTimePidLevelAndMessage() {
        assertEquals("{\"time\":\"2025-03-04T05:06:07.089+01:00\",\"pid\":4242,\"level\":\"LOG\","
                        + "\"message\":\"got SIGHUP, re-reading config\"}",
                LogLine.render(LogFormat.JSON, TIME, PID, Log.Level.LOG, "got SIGHUP, re-reading config"));
    }

    @Test
    void jsonTimeOfUtcEndsInZ() {
        String line = LogLine.render(LogFormat.JSON, TIME.withZoneSameInstant(ZoneId.of("UTC")), PID,
                Log.Level.ERROR, "m");
        assertTrue(line.startsWith("{\"time\":\"2025-03-04T04:06:07.089Z\",\"pid\":4242,\"level\":\"ERROR\""), line);
    }

    @Test
    void jsonSplitsTheClientConnectionPrefix() {
        assertEquals("{\"time\":\"2025-03-04T05:06:07.089+01:00\",\"pid\":4242,\"level\":\"LOG\","
                        + "\"connection\":\"C-0a1b2c3d\",\"database\":\"app\",\"user\":\"alice\","
                        + "\"address\":\"127.0.0.1:51234\",\"message\":\"login attempt: db=app user=alice tls=no\"}",
                LogLine.render(LogFormat.JSON, TIME, PID, Log.Level.LOG,
                        "C-0a1b2c3d: app/alice@127.0.0.1:51234 login attempt: db=app user=alice tls=no"));
    }

    @Test
    void jsonSplitsTheServerConnectionPrefixWithoutAddress() {
        assertEquals("{\"time\":\"2025-03-04T05:06:07.089+01:00\",\"pid\":4242,\"level\":\"DEBUG\","
                        + "\"connection\":\"S-99\",\"database\":\"app\",\"user\":\"bob\","
                        + "\"message\":\"closing because: server idle timeout\"}",
                LogLine.render(LogFormat.JSON, TIME, PID, Log.Level.DEBUG,
                        "S-99: app/bob closing because: server idle timeout"));
    }

    @Test
    void jsonKeepsAMessageThatOnlyLooksLikeAPrefixWhole() {
        String line = LogLine.render(LogFormat.JSON, TIME, PID, Log.Level.LOG, "C-1: no slash here");
        assertTrue(line.endsWith(",\"level\":\"LOG\",\"message\":\"C-1: no slash here\"}"), line);
    }

    @Test
    void escapesQuotesAndBackslashes() {
        assertEquals("say \\\"hi\\\" to C:\\\\dir", escaped("say \"hi\" to C:\\dir"));
    }

    @Test
    void escapesNewlinesAndOtherControlCharacters() {
        assertEquals("a\\nb\\r\\tc\\b\\f\\u0000\\u001f\\u0001", escaped("a\nb\r\tc\b\f\u0000\u001f\u0001"));
    }

    @Test
    void keepsNonAsciiAsIs() {
        assertEquals("Grüße, 日本, \uD83D\uDE00, \u007f", escaped("Grüße, 日本, \uD83D\uDE00, \u007f"));
    }

    @Test
    void escapesUnpairedSurrogates() {
        assertEquals("x\\ud83dy\\ude00", escaped("x\uD83Dy\uDE00"));
    }

    @Test
    void jsonLineIsOneLineEvenForMultiLineMessages() {
        String line = LogLine.render(LogFormat.JSON, TIME, PID, Log.Level.ERROR, "first\nsecond \"quoted\"");
        assertEquals(-1, line.indexOf('\n'));
        assertTrue(line.endsWith("\"message\":\"first\\nsecond \\\"quoted\\\"\"}"), line);
    }

    @Test
    void setFormatSwitchesTheLinesWrittenToTheLogfile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jbouncer.log");
        Log.setQuiet(true);
        Log.setLogFile(file.toString());

        Log.info("plain %s", "one");
        Log.setFormat(LogFormat.JSON);
        Log.warning("json \"%s\"", "two");
        Log.setFormat(LogFormat.TEXT);
        Log.info("plain again");

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        long pid = ProcessHandle.current().pid();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+ \\[" + pid
                + "] LOG plain one"), lines.get(0));
        assertTrue(lines.get(1).matches("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}"
                + "(Z|[+-]\\d\\d:\\d\\d)\",\"pid\":" + pid + ",\"level\":\"WARNING\","
                + "\"message\":\"json \\\\\"two\\\\\"\"}"), lines.get(1));
        assertTrue(lines.get(2).endsWith("[" + pid + "] LOG plain again"), lines.get(2));
    }

    private static String escaped(String value) {
        StringBuilder out = new StringBuilder();
        LogLine.escape(value, out);
        return out.toString();
    }
}
