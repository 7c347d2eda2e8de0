package io.jbouncer.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The C-string view of a text file that PgBouncer's parsers work on, plus the C-locale {@code <ctype.h>} classes
 * they use.
 *
 * <p>Files are read as ISO-8859-1 so that one {@code char} is one byte: positions and length limits are then byte
 * counts, exactly as in C. Extracted tokens are turned back into real text with {@link #utf8(String)}. Like
 * {@code load_file()} followed by {@code while (*p)}, everything after a NUL byte is ignored.
 */
final class CText {

    private CText() {
    }

    /** Reads {@code file} as one byte per char, cut at the first NUL byte. */
    static String load(Path file) throws IOException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        int nul = text.indexOf('\0');
        return nul < 0 ? text : text.substring(0, nul);
    }

    /** Re-decodes a byte-per-char token as UTF-8, the encoding the files are written in. */
    static String utf8(String latin1) {
        return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** {@code isspace()} in the C locale. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** {@code isblank()} in the C locale. */
    static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** {@code isalnum()} in the C locale: ASCII letters and digits only. */
    static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** 1-based line number of position {@code pos}, as libusual's {@code count_lines()}. */
    static int lineAt(String text, int pos) {
        int line = 1;
        for (int i = 0; i < pos && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** {@code strcasecmp(a, b) == 0}: case folding of ASCII letters only. */
    static boolean equalsIgnoreAsciiCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (lower(a.charAt(i)) != lower(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** libusual {@code cf_set_lookup}: the value whose name equals {@code text} ignoring ASCII case, else null. */
    static <E> E lookup(E[] values, Function<E, String> name, String text) {
        for (E value : values) {
            if (equalsIgnoreAsciiCase(name.apply(value), text)) {
                return value;
            }
        }
        return null;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }
}
