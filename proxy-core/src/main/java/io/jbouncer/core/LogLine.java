package io.jbouncer.core;

import io.jbouncer.core.config.LogFormat;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders one log line in a {@link LogFormat}.
 *
 * <p>{@code text} is PgBouncer's line, {@code YYYY-MM-DD HH:MM:SS.mmm TZ [pid] LEVEL message} (PgBouncer 1.25).
 * {@code json} is one JSON object per line: {@code time} (ISO-8601 with milliseconds and offset), {@code pid}
 * (a number), {@code level} (PgBouncer's level name) and {@code message}. When the message starts with PgBouncer's
 * connection prefix ({@code C-id: db/user@addr } or {@code S-id: db/user }), the prefix is split into
 * {@code connection}, {@code database}, {@code user} and, when present, {@code address}, and {@code message} holds
 * the rest; any other message is kept whole.
 */
final class LogLine {
    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS z");
    private static final DateTimeFormatter JSON_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    private static final Pattern PREFIX =
            Pattern.compile("([CS]-[^:\\s]+): ([^/\\s]+)/([^@\\s]+)(?:@(\\S+))? (.*)", Pattern.DOTALL);

    private LogLine() {
    }

    /** The line for {@code message} logged at {@code time} by process {@code pid}, without a line terminator. */
    static String render(LogFormat format, ZonedDateTime time, long pid, Log.Level level, String message) {
        return format == LogFormat.JSON
                ? json(time, pid, level, message)
                : TEXT_TIME.format(time) + " [" + pid + "] " + level + " " + message;
    }

    private static String json(ZonedDateTime time, long pid, Log.Level level, String message) {
        StringBuilder out = new StringBuilder(message.length() + 96);
        out.append("{\"time\":\"").append(JSON_TIME.format(time))
                .append("\",\"pid\":").append(pid)
                .append(",\"level\":\"").append(level).append('"');
        Matcher prefix = PREFIX.matcher(message);
        String text = message;
        if (prefix.matches()) {
            field(out, "connection", prefix.group(1));
            field(out, "database", prefix.group(2));
            field(out, "user", prefix.group(3));
            if (prefix.group(4) != null) {
                field(out, "address", prefix.group(4));
            }
            text = prefix.group(5);
        }
        field(out, "message", text);
        return out.append('}').toString();
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(",\"").append(name).append("\":\"");
        escape(value, out);
        out.append('"');
    }

    /**
     * Appends {@code value} as the inside of a JSON string (RFC 8259): quote, backslash and control characters are
     * escaped, and so is an unpaired surrogate, which UTF-8 cannot encode; all other characters, non-ASCII
     * included, are kept as they are.
     */
    static void escape(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !pairedSurrogate(value, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    private static boolean pairedSurrogate(String value, int i) {
        char c = value.charAt(i);
        return Character.isHighSurrogate(c)
                ? i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
    }
}
