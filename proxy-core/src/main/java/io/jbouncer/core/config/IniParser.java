package io.jbouncer.core.config;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The ini reader of libusual's {@code cfparser.c} ({@code parse_ini_file}), which PgBouncer uses for
 * {@code pgbouncer.ini}, reproduced with its quirks:
 * <ul>
 *   <li>a comment is a line whose first non-blank character is {@code ;} or {@code #}; there are no end-of-line
 *       comments, so {@code key = a ; b} has the value {@code a ; b};</li>
 *   <li>a key is a run of {@code [A-Za-z0-9_.*-]}, or anything between single quotes on the same or following
 *       lines (no escape);</li>
 *   <li>the value is the rest of the line after {@code =} and blanks, with trailing white space removed and no
 *       unquoting;</li>
 *   <li>a section header ends at {@code ]}; what follows on the same line is read as if it began a new line;
 *       section names are not trimmed;</li>
 *   <li>{@code %include path} (followed by a blank) reads another file at that point, the path being relative to
 *       the process working directory, at most 10 levels deep.</li>
 * </ul>
 *
 * <p>We do not use ini4j: it cannot report the line of a bad value, and its comment, continuation and escape rules
 * differ from PgBouncer's (it strips {@code ;} comments at the end of a line, unescapes backslashes and merges
 * duplicate sections), so files would load differently.
 *
 * <p>Files are scanned byte by byte (see {@link CText}); keys and values are handed over decoded as UTF-8.
 */
final class IniParser {

    /** libusual's {@code MAX_INCLUDE}. */
    static final int MAX_INCLUDE = 10;

    /** Receives what the parser finds, in file order; throwing stops the load at that line. */
    interface Handler {

        /** A {@code [name]} header at {@code file:line}. */
        void section(String name, String file, int line) throws ConfigException;

        /** A {@code key = value} line at {@code file:line}. */
        void entry(String key, String value, String file, int line) throws ConfigException;
    }

    private final Handler handler;

    private IniParser(Handler handler) {
        this.handler = handler;
    }

    /** Reads {@code file} (and what it includes), feeding {@code handler}. */
    static void parse(Path file, Handler handler) throws ConfigException {
        String name = file.toString();
        String text;
        try {
            text = CText.load(file);
        } catch (IOException e) {
            throw new ConfigException(name, 0, "", "could not load file \"" + name + "\": " + e);
        }
        new IniParser(handler).parse(name, text, 0);
    }

    private void parse(String file, String buf, int level) throws ConfigException {
        int n = buf.length();
        int p = 0;
        while (p < n) {
            while (p < n && CText.isSpace(buf.charAt(p))) {
                p++;
            }
            if (buf.startsWith("%include", p) && p + 8 < n && CText.isBlank(buf.charAt(p + 8))) {
                p = include(file, buf, p, level);
                continue;
            }
            if (p < n && (buf.charAt(p) == '#' || buf.charAt(p) == ';')) {
                p = endOfLine(buf, p);
                continue;
            }
            if (p < n && buf.charAt(p) == '[') {
                int start = ++p;
                while (p < n && buf.charAt(p) != ']' && buf.charAt(p) != '\n') {
                    p++;
                }
                if (p >= n || buf.charAt(p) != ']') {
                    throw syntaxError(file, buf, p);
                }
                handler.section(CText.utf8(buf.substring(start, p)), file, CText.lineAt(buf, p));
                p++;
                continue;
            }
            if (p >= n) {
                break;
            }
            int keyLine = CText.lineAt(buf, p);
            int keyStart;
            int keyEnd;
            if (buf.charAt(p) == '\'') {
                keyStart = ++p;
                while (p < n && buf.charAt(p) != '\'') {
                    p++;
                }
                if (p >= n || p == keyStart) {
                    throw syntaxError(file, buf, p);
                }
                keyEnd = p++;
            } else {
                keyStart = p;
                while (p < n && isKeyChar(buf.charAt(p))) {
                    p++;
                }
                keyEnd = p;
            }
            p = skipBlanks(buf, p);
            if (p >= n || buf.charAt(p) != '=') {
                throw syntaxError(file, buf, p);
            }
            p = skipBlanks(buf, p + 1);
            int valueStart = p;
            p = endOfLine(buf, p);
            String value = buf.substring(valueStart, trimEnd(buf, valueStart, p));
            handler.entry(CText.utf8(buf.substring(keyStart, keyEnd)), CText.utf8(value), file, keyLine);
        }
    }

    /** Processes the {@code %include} at {@code p}; returns where parsing continues. */
    private int include(String file, String buf, int p, int level) throws ConfigException {
        int line = CText.lineAt(buf, p);
        if (level >= MAX_INCLUDE) {
            throw new ConfigException(file, line, "", "include nesting level too deep (" + file + ":" + line
                    + "), stopping loading");
        }
        int start = skipBlanks(buf, p + 8);
        int end = endOfLine(buf, start);
        String included = CText.utf8(buf.substring(start, trimEnd(buf, start, end)));
        String text;
        try {
            text = CText.load(Path.of(included));
        } catch (IOException | InvalidPathException e) {
            throw new ConfigException(file, line, "", "error processing include file in configuration (" + file
                    + ":" + line + "), stopping loading: could not load file \"" + included + "\": " + e);
        }
        parse(included, text, level + 1);
        return end;
    }

    private static ConfigException syntaxError(String file, String buf, int p) {
        int line = CText.lineAt(buf, p);
        return new ConfigException(file, line, "", "syntax error in configuration (" + file + ":" + line
                + "), stopping loading");
    }

    private static boolean isKeyChar(char c) {
        return CText.isAlnum(c) || c == '_' || c == '.' || c == '-' || c == '*';
    }

    private static int skipBlanks(String buf, int p) {
        while (p < buf.length() && CText.isBlank(buf.charAt(p))) {
            p++;
        }
        return p;
    }

    private static int endOfLine(String buf, int p) {
        while (p < buf.length() && buf.charAt(p) != '\n') {
            p++;
        }
        return p;
    }

    private static int trimEnd(String buf, int start, int end) {
        while (end > start && CText.isSpace(buf.charAt(end - 1))) {
            end--;
        }
        return end;
    }
}
