package io.jbouncer.core.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PostgreSQL's lexical structure, as much as statement splitting and {@code SET} recognition need: words, quoted
 * identifiers, string constants (plain, {@code E''}, {@code B''}/{@code X''}/{@code N''}, {@code U&''}, dollar
 * quoted), numbers, one-character operators; {@code --} and nested {@code /* *}{@code /} comments are skipped. Every
 * token keeps its exact source text, so a value jbouncer re-applies is the client's own text, never rebuilt.
 *
 * <p>A plain {@code '...'} string holding a backslash is lexed as PostgreSQL does with
 * {@code standard_conforming_strings = on}; with it off the server would read that string differently, so such a
 * text is marked {@linkplain #ambiguous() ambiguous} and nothing in it is tracked; so is a text with an unterminated
 * quote or comment, which the server refuses anyway.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-syntax-lexical.html">Lexical structure</a>
 */
final class SqlTokens {
    enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, OPERATOR, SEMICOLON }

    /** One token: {@code value} is the lower-cased word, the unescaped identifier, or the source text otherwise. */
    record Token(Kind kind, String value, String source) {
        boolean isWord(String word) {
            return kind == Kind.WORD && value.equals(word);
        }

        boolean isOperator(char c) {
            return kind == Kind.OPERATOR && source.length() == 1 && source.charAt(0) == c;
        }
    }

    private final String sql;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private boolean ambiguous;

    private SqlTokens(String sql) {
        this.sql = sql;
    }

    /** The tokens of {@code sql}; an unterminated quote or comment swallows the rest, as the server would fail it. */
    static SqlTokens of(String sql) {
        SqlTokens lexed = new SqlTokens(sql);
        lexed.lex();
        return lexed;
    }

    List<Token> tokens() {
        return tokens;
    }

    /** Whether the server may split this text differently (see the class comment). */
    boolean ambiguous() {
        return ambiguous;
    }

    private void lex() {
        int n = sql.length();
        while (pos < n) {
            char c = sql.charAt(pos);
            int start = pos;
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '-' && next(1) == '-') {
                skipLineComment();
            } else if (c == '/' && next(1) == '*') {
                skipBlockComment();
            } else if (c == '\'') {
                quoted('\'', false);
                add(Kind.STRING, start);
            } else if ((c == 'e' || c == 'E') && next(1) == '\'') {
                pos++;
                quoted('\'', true);
                add(Kind.STRING, start);
            } else if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && next(1) == '\'') {
                pos++;
                quoted('\'', false);
                add(Kind.STRING, start);
            } else if ((c == 'u' || c == 'U') && next(1) == '&' && (next(2) == '\'' || next(2) == '"')) {
                char quote = next(2);
                pos += 2;
                quoted(quote, false);
                add(quote == '"' ? Kind.QUOTED_IDENT : Kind.STRING, start);
            } else if (c == '"') {
                quoted('"', false);
                String body = sql.substring(start + 1, Math.max(start + 1, pos - 1)).replace("\"\"", "\"");
                tokens.add(new Token(Kind.QUOTED_IDENT, body, sql.substring(start, pos)));
            } else if (c == '$' && dollarTag() != null) {
                skipDollarQuoted(dollarTag());
                add(Kind.STRING, start);
            } else if (isIdentStart(c)) {
                while (pos < n && isIdentPart(sql.charAt(pos))) {
                    pos++;
                }
                String word = sql.substring(start, pos);
                tokens.add(new Token(Kind.WORD, word.toLowerCase(Locale.ROOT), word));
            } else if (isDigit(c) || c == '.' && isDigit(next(1))) {
                number();
                add(Kind.NUMBER, start);
            } else if (c == ';') {
                pos++;
                add(Kind.SEMICOLON, start);
            } else {
                pos++;
                add(Kind.OPERATOR, start);
            }
        }
    }

    private void add(Kind kind, int start) {
        String source = sql.substring(start, pos);
        tokens.add(new Token(kind, source, source));
    }

    private char next(int ahead) {
        int at = pos + ahead;
        return at < sql.length() ? sql.charAt(at) : 0;
    }

    private void skipLineComment() {
        while (pos < sql.length() && sql.charAt(pos) != '\n' && sql.charAt(pos) != '\r') {
            pos++;
        }
    }

    /** PostgreSQL's block comments nest. */
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
        ambiguous = true; // unterminated: the server fails it, nothing in it is tracked
    }

    /** From the opening quote at {@code pos} to after the closing one; a doubled quote is part of the body. */
    private void quoted(char quote, boolean backslashEscapes) {
        pos++;
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (c == '\\' && quote == '\'') {
                if (backslashEscapes) {
                    pos += 2;
                    continue;
                }
                ambiguous = true;
            }
            pos++;
            if (c == quote) {
                if (next(0) == quote) {
                    pos++;
                } else {
                    return;
                }
            }
        }
        ambiguous = true;
    }

    /** The {@code $tag$} starting at {@code pos}, or {@code null} when this {@code $} opens none. */
    private String dollarTag() {
        int end = pos + 1;
        while (end < sql.length() && isIdentPart(sql.charAt(end)) && sql.charAt(end) != '$') {
            end++;
        }
        if (end >= sql.length() || sql.charAt(end) != '$') {
            return null;
        }
        String tag = sql.substring(pos, end + 1);
        return tag.length() > 2 && isDigit(tag.charAt(1)) ? null : tag;
    }

    private void skipDollarQuoted(String tag) {
        int close = sql.indexOf(tag, pos + tag.length());
        ambiguous |= close < 0;
        pos = close < 0 ? sql.length() : close + tag.length();
    }

    private void number() {
        while (pos < sql.length() && (isIdentPart(sql.charAt(pos)) || sql.charAt(pos) == '.'
                || (sql.charAt(pos) == '+' || sql.charAt(pos) == '-')
                && (sql.charAt(pos - 1) == 'e' || sql.charAt(pos - 1) == 'E'))) {
            pos++;
        }
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_' || c > 127;
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c) || c == '$';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
