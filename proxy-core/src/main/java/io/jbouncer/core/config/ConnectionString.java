package io.jbouncer.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code key=value ...} lexer of {@code [databases]}, {@code [users]} and {@code [peers]} values, ported from
 * PgBouncer's {@code cstr_get_pair()} (loader.c) including its quirks:
 * <ul>
 *   <li>only the space character separates pairs (a tab is part of a key or value);</li>
 *   <li>blanks are allowed around {@code =}, so {@code host= x} means {@code host=x};</li>
 *   <li>a value may be {@code 'single quoted'} with {@code ''} standing for one quote;</li>
 *   <li>the one character right after a value (normally the separating space, but also whatever follows a
 *       closing quote) is consumed;</li>
 *   <li>an empty value, an empty key or a missing {@code =} is a syntax error.</li>
 * </ul>
 */
final class ConnectionString {

    private ConnectionString() {
    }

    /**
     * Splits {@code text} into its pairs, in order (a key may repeat; callers let the last one win).
     *
     * @throws IllegalArgumentException on a syntax error, with {@code syntaxError} as the message
     */
    static List<Map.Entry<String, String>> pairs(String text, String syntaxError) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        int p = skipSpaces(text, 0);
        while (p < text.length()) {
            int keyStart = p;
            while (p < text.length() && text.charAt(p) != '=' && text.charAt(p) != ' ') {
                p++;
            }
            int keyEnd = p;
            p = skipSpaces(text, p);
            if (p >= text.length() || text.charAt(p) != '=' || keyStart == keyEnd) {
                throw new IllegalArgumentException(syntaxError);
            }
            p = skipSpaces(text, p + 1);
            StringBuilder value = new StringBuilder();
            if (p < text.length() && text.charAt(p) == '\'') {
                p++;
                while (true) {
                    if (p >= text.length()) {
                        throw new IllegalArgumentException(syntaxError);
                    }
                    if (text.charAt(p) == '\'') {
                        if (p + 1 < text.length() && text.charAt(p + 1) == '\'') {
                            p++;
                        } else {
                            break;
                        }
                    }
                    value.append(text.charAt(p++));
                }
                p++;
            } else {
                while (p < text.length() && text.charAt(p) != ' ') {
                    value.append(text.charAt(p++));
                }
            }
            if (p < text.length()) {
                p++;
            }
            if (value.length() == 0) {
                throw new IllegalArgumentException(syntaxError);
            }
            pairs.add(Map.entry(text.substring(keyStart, keyEnd), value.toString()));
            p = skipSpaces(text, p);
        }
        return pairs;
    }

    private static int skipSpaces(String text, int p) {
        while (p < text.length() && text.charAt(p) == ' ') {
            p++;
        }
        return p;
    }
}
