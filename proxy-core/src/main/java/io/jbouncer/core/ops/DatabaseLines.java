package io.jbouncer.core.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Line-based edits of the {@code [databases]} section of a {@code pgbouncer.ini}, reading lines the way libusual's
 * {@code cfparser.c} does (comments start with {@code ;} or {@code #}, a key is {@code [A-Za-z0-9_.*-]+} or
 * single-quoted, the value is the rest of the line). Only the lines of the named entry are touched; comments,
 * blank lines, other sections and {@code %include} lines stay as they are. Includes are not followed: the caller
 * validates the result with the real loader.
 *
 * <p>Stateless; all text is one char per byte (see {@link TextLines}).
 */
final class DatabaseLines {

    private static final String SECTION = "databases";
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_.*-]+");

    private DatabaseLines() {
    }

    /**
     * Makes {@code name = connstr} the definition of {@code name}. An entry whose value already equals
     * {@code connstr} (ignoring blanks at its ends) is left alone; an entry with another value is replaced where it
     * stands (further lines of the same name, which PgBouncer would let win, are deleted); a new entry goes after
     * the last entry of the last {@code [databases]} section, or into a new section at the end of the file.
     *
     * @throws IllegalArgumentException if {@code name} cannot be written as an ini key
     */
    static Edit put(String text, String name, String connstr) {
        String line = entryLine(name, connstr);
        TextLines file = TextLines.of(text);
        List<String> lines = file.lines();
        List<Integer> matches = entryLines(lines, TextLines.bytesOf(name));
        if (!matches.isEmpty()) {
            String current = entry(lines.get(matches.get(matches.size() - 1))).value();
            if (current.equals(TextLines.bytesOf(connstr).strip())) {
                return new Edit(text, Edit.Outcome.ALREADY_PRESENT);
            }
            for (int i = matches.size() - 1; i > 0; i--) {
                lines.remove((int) matches.get(i));
            }
            lines.set(matches.get(0), line);
            return new Edit(file.text(), Edit.Outcome.REPLACED);
        }
        int insertAt = insertionPoint(lines);
        if (insertAt < 0) {
            if (!lines.isEmpty() && !lines.get(lines.size() - 1).isBlank()) {
                lines.add("");
            }
            lines.add("[" + SECTION + "]");
            lines.add(line);
        } else {
            lines.add(insertAt, line);
        }
        return new Edit(file.text(), Edit.Outcome.ADDED);
    }

    /** Deletes every {@code [databases]} line defining {@code name}. */
    static Edit remove(String text, String name) {
        TextLines file = TextLines.of(text);
        List<Integer> matches = entryLines(file.lines(), TextLines.bytesOf(name));
        if (matches.isEmpty()) {
            return new Edit(text, Edit.Outcome.NOT_PRESENT);
        }
        for (int i = matches.size() - 1; i >= 0; i--) {
            file.lines().remove((int) matches.get(i));
        }
        return new Edit(file.text(), Edit.Outcome.REMOVED);
    }

    /**
     * The line {@code name = connstr}, one char per byte; {@code name} is single-quoted when it has characters an
     * unquoted key cannot hold.
     *
     * @throws IllegalArgumentException if {@code name} is empty or holds a quote or a line break
     */
    static String entryLine(String name, String connstr) {
        String key;
        if (PLAIN_KEY.matcher(name).matches()) {
            key = name;
        } else if (!name.isEmpty() && name.indexOf('\'') < 0 && name.indexOf('\n') < 0 && name.indexOf('\r') < 0) {
            key = "'" + name + "'";
        } else {
            throw new IllegalArgumentException("database name \"" + name
                    + "\" cannot be written in pgbouncer.ini (empty, or holds a single quote or a line break)");
        }
        return TextLines.bytesOf(key + " = " + connstr.strip());
    }

    /** Indexes of the lines inside a {@code [databases]} section whose key is {@code key}, in file order. */
    private static List<Integer> entryLines(List<String> lines, String key) {
        List<Integer> found = new ArrayList<>();
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String header = sectionName(line);
            if (header != null) {
                section = header;
                continue;
            }
            Entry entry = entry(line);
            if (SECTION.equals(section) && entry != null && entry.key().equals(key)) {
                found.add(i);
            }
        }
        return found;
    }

    /** Where a new entry goes: after the last entry (or the header) of the last section; -1 if there is none. */
    private static int insertionPoint(List<String> lines) {
        int at = -1;
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            String header = sectionName(lines.get(i));
            if (header != null) {
                section = header;
                if (SECTION.equals(header)) {
                    at = i + 1;
                }
            } else if (SECTION.equals(section) && entry(lines.get(i)) != null) {
                at = i + 1;
            }
        }
        return at;
    }

    /** The section name when {@code line} is a {@code [name]} header, else null. */
    static String sectionName(String line) {
        int p = TextLines.skipBlanks(line, 0);
        if (p >= line.length() || line.charAt(p) != '[') {
            return null;
        }
        int end = line.indexOf(']', p);
        return end < 0 ? null : line.substring(p + 1, end);
    }

    /** A {@code key = value} line: the key unquoted, the value with blanks trimmed at both ends. */
    record Entry(String key, String value) {
    }

    /** The entry on {@code line}, or null for comments, blank lines, includes and anything else. */
    static Entry entry(String line) {
        int p = TextLines.skipBlanks(line, 0);
        if (p >= line.length() || line.charAt(p) == ';' || line.charAt(p) == '#' || line.charAt(p) == '%') {
            return null;
        }
        int start;
        int end;
        if (line.charAt(p) == '\'') {
            start = p + 1;
            end = line.indexOf('\'', start);
            if (end <= start) {
                return null;
            }
            p = end + 1;
        } else {
            start = p;
            while (p < line.length() && isKeyChar(line.charAt(p))) {
                p++;
            }
            end = p;
        }
        p = TextLines.skipBlanks(line, p);
        if (end == start || p >= line.length() || line.charAt(p) != '=') {
            return null;
        }
        return new Entry(line.substring(start, end), line.substring(p + 1).strip());
    }

    private static boolean isKeyChar(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                || c == '_' || c == '.' || c == '-' || c == '*';
    }
}
