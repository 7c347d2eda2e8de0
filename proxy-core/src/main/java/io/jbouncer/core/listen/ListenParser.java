package io.jbouncer.core.listen;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the {@code LISTEN} and {@code UNLISTEN} statements in a query string, the way PostgreSQL's lexer sees them:
 * statements split at semicolons outside quotes, comments ({@code --}, nested {@code /* *&#47;}), string literals
 * ({@code '...'}, {@code E'...'} with backslash escapes), quoted identifiers and dollar quotes; keywords in any case;
 * unquoted channel names folded to lower case, quoted ones kept ({@code ""} unescaped); names longer than
 * PostgreSQL's 63 bytes truncated as PostgreSQL truncates them. A statement that only looks like one of them
 * ({@code LISTEN} with no name, trailing words) is left out: PostgreSQL rejects it, and nothing is subscribed.
 *
 * <p>Strings that do not contain the letters {@code listen} at all (nearly every query) are skipped after one scan.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-syntax-lexical.html">SQL syntax, lexical structure</a>
 */
public final class ListenParser {
    /** PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated to this many bytes. */
    private static final int MAX_IDENTIFIER_BYTES = 63;

    private final String sql;
    private int pos;

    private ListenParser(String sql) {
        this.sql = sql;
    }

    /** The LISTEN/UNLISTEN statements of {@code sql}, in order; empty when there are none. */
    public static List<ListenCommand> parse(String sql) {
        if (!mentionsListen(sql)) {
            return List.of();
        }
        return new ListenParser(sql).statements();
    }

    /**
     * The same pre-check on the raw message bytes, before anything is decoded: {@code listen} is ASCII, and in every
     * client encoding PostgreSQL accepts an ASCII letter is that byte (other bytes can only match falsely, which
     * the parser then sorts out).
     */
    public static boolean mentionsListen(ByteBuf bytes, int from, int length) {
        int last = from + length - 6;
        for (int i = from; i <= last; i++) {
            if ((bytes.getByte(i) | 0x20) == 'l' && matchesListen(bytes, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesListen(ByteBuf bytes, int at) {
        for (int k = 1; k < 6; k++) {
            if ((bytes.getByte(at + k) | 0x20) != "listen".charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Cheap pre-check: whether {@code listen} occurs anywhere, in any case. */
    static boolean mentionsListen(String sql) {
        int last = sql.length() - 6;
        for (int i = 0; i <= last; i++) {
            char c = sql.charAt(i);
            if ((c == 'l' || c == 'L') && sql.regionMatches(true, i, "listen", 0, 6)) {
                return true;
            }
        }
        return false;
    }

    private List<ListenCommand> statements() {
        List<ListenCommand> found = new ArrayList<>(1);
        while (pos < sql.length()) {
            List<String> tokens = statementTokens();
            ListenCommand command = command(tokens);
            if (command != null) {
                found.add(command);
            }
        }
        return found;
    }

    /**
     * The first three tokens of the next statement (a third means "more than a verb and a name"), consuming the
     * statement and its semicolon.
     */
    private List<String> statementTokens() {
        List<String> tokens = new ArrayList<>(3);
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (c == ';') {
                pos++;
                break;
            }
            String token = nextToken();
            if (token != null && tokens.size() < 3) {
                tokens.add(token);
            }
        }
        return tokens;
    }

    /**
     * Reads one token at {@code pos}: a word (returned folded to lower case, prefixed with a space so it cannot be
     * mistaken for a quoted name), a quoted identifier (returned unescaped), any other token (returned as itself),
     * or whitespace and comments ({@code null}).
     */
    private String nextToken() {
        char c = sql.charAt(pos);
        if (Character.isWhitespace(c)) {
            pos++;
            return null;
        }
        if (c == '-' && sql.startsWith("--", pos)) {
            int end = sql.indexOf('\n', pos);
            pos = end < 0 ? sql.length() : end + 1;
            return null;
        }
        if (c == '/' && sql.startsWith("/*", pos)) {
            skipBlockComment();
            return null;
        }
        if (c == '"') {
            return quotedIdentifier();
        }
        if (c == '\'') {
            skipString(false);
            return "'";
        }
        if ((c == 'e' || c == 'E') && pos + 1 < sql.length() && sql.charAt(pos + 1) == '\'') {
            pos++;
            skipString(true);
            return "'";
        }
        if (c == '$' && skipDollarQuote()) {
            return "$";
        }
        if (isIdentifierStart(c)) {
            int start = pos;
            while (pos < sql.length() && isIdentifierPart(sql.charAt(pos))) {
                pos++;
            }
            return " " + sql.substring(start, pos);
        }
        pos++;
        return String.valueOf(c);
    }

    private static ListenCommand command(List<String> tokens) {
        if (tokens.size() != 2) {
            return null;
        }
        String verb = tokens.get(0);
        String name = tokens.get(1);
        boolean listen = " listen".equalsIgnoreCase(verb);
        if (!listen && !" unlisten".equalsIgnoreCase(verb)) {
            return null;
        }
        if (name.equals("*")) {
            return listen ? null : ListenCommand.unlistenAll();
        }
        String channel;
        if (name.startsWith(" ")) {
            channel = truncate(name.substring(1).toLowerCase(Locale.ROOT));
        } else if (name.startsWith("\"")) {
            channel = truncate(name.substring(1));
            if (channel.isEmpty()) {
                return null; // PostgreSQL: zero-length delimited identifier
            }
        } else {
            return null;
        }
        return listen ? ListenCommand.listen(channel) : ListenCommand.unlisten(channel);
    }

    /** A {@code "..."} identifier, returned as {@code "} followed by its unescaped text. */
    private String quotedIdentifier() {
        StringBuilder name = new StringBuilder("\"");
        pos++;
        while (pos < sql.length()) {
            char c = sql.charAt(pos++);
            if (c == '"') {
                if (pos < sql.length() && sql.charAt(pos) == '"') {
                    name.append('"');
                    pos++;
                } else {
                    return name.toString();
                }
            } else {
                name.append(c);
            }
        }
        return "?"; // unterminated: PostgreSQL rejects the statement
    }

    private void skipString(boolean backslashEscapes) {
        pos++;
        while (pos < sql.length()) {
            char c = sql.charAt(pos++);
            if (backslashEscapes && c == '\\') {
                pos++;
            } else if (c == '\'') {
                if (pos < sql.length() && sql.charAt(pos) == '\'') {
                    pos++;
                } else {
                    return;
                }
            }
        }
    }

    private void skipBlockComment() {
        int depth = 0;
        while (pos < sql.length()) {
            if (sql.startsWith("/*", pos)) {
                depth++;
                pos += 2;
            } else if (sql.startsWith("*/", pos)) {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                pos++;
            }
        }
    }

    /** {@code $tag$ ... $tag$}; returns {@code false} (nothing consumed) when {@code $} starts no dollar quote. */
    private boolean skipDollarQuote() {
        int end = pos + 1;
        while (end < sql.length() && isIdentifierPart(sql.charAt(end)) && sql.charAt(end) != '$') {
            end++;
        }
        if (end >= sql.length() || sql.charAt(end) != '$' || end > pos + 1 && Character.isDigit(sql.charAt(pos + 1))) {
            return false;
        }
        String delimiter = sql.substring(pos, end + 1);
        int close = sql.indexOf(delimiter, end + 1);
        pos = close < 0 ? sql.length() : close + delimiter.length();
        return true;
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c >= 0x80;
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || Character.isDigit(c) || c == '$';
    }

    private static String truncate(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_IDENTIFIER_BYTES) {
            return name;
        }
        int cut = MAX_IDENTIFIER_BYTES;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) {
            cut--; // never split a multi-byte character, as PostgreSQL's pg_mbcliplen
        }
        return new String(bytes, 0, cut, StandardCharsets.UTF_8);
    }
}
