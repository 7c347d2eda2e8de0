package io.jbouncer.core.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's lexical structure, as much as statement splitting and recognising statements by their words need
 * ({@code SET}, {@code LISTEN} ...): words, quoted identifiers, string constants (plain, {@code E''},
 * {@code B''}/{@code X''}/{@code N''}, {@code U&''}, dollar quoted), numbers, one-character operators; {@code --} and
 * nested {@code /* *}{@code /} comments are skipped. Every token keeps its exact source text, so a value jbouncer
 * re-applies is the client's own text, never rebuilt.
 *
 * <p>Identifiers are read as PostgreSQL's lexer reads them: an unquoted word folded to lower case (ASCII letters
 * only, as PostgreSQL folds them in a multi-byte encoding such as UTF-8), a quoted one unescaped, both truncated to
 * 63 bytes ({@code NAMEDATALEN - 1}) without splitting a character.
 *
 * <p>A plain {@code '...'} string holding a backslash is lexed as PostgreSQL does with
 * {@code standard_conforming_strings = on}; with it off the server would read that string differently, so such a
 * text is marked {@linkplain #ambiguous() ambiguous} and nothing in it is tracked; so is a text with an
 * {@linkplain #unterminated() unterminated} quote or comment, which the server refuses whole.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-syntax-lexical.html">Lexical structure</a>
 */
public final class SqlTokens {
    /** PostgreSQL's {@code NAMEDATALEN - 1}: a longer identifier is truncated to this many bytes. */
    private static final int MAX_IDENTIFIER_BYTES = 63;

    public enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, OPERATOR, SEMICOLON }

    /**
     * One token: {@code value} is the identifier a word or a quoted identifier names (see the class comment; a
     * {@code U&"..."} one keeps its source text, its escapes undecoded), the source text otherwise.
     */
    public record Token(Kind kind, String value, String source) {
        public boolean isWord(String word) {
            return kind == Kind.WORD && value.equals(word);
        }

        public boolean isOperator(char c) {
            return kind == Kind.OPERATOR && source.length() == 1 && source.charAt(0) == c;
        }
    }

    private final String sql;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private boolean backslashInPlainString;
    private boolean unterminated;

    private SqlTokens(String sql) {
        this.sql = sql;
    }

    /** The tokens of {@code sql}; an unterminated quote or comment swallows the rest, as the server would fail it. */
    public static SqlTokens of(String sql) {
        SqlTokens lexed = new SqlTokens(sql);
        lexed.lex();
        return lexed;
    }

    public List<Token> tokens() {
        return tokens;
    }

    /**
     * The statements: the runs of tokens between semicolons, empty ones left out as PostgreSQL leaves them out (a
     * {@code BEGIN ATOMIC} body's semicolons split it too: a reader that cares looks for it).
     */
    public List<List<Token>> statements() {
        List<List<Token>> statements = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= tokens.size(); i++) {
            if (i == tokens.size() || tokens.get(i).kind() == Kind.SEMICOLON) {
                if (i > start) {
                    statements.add(tokens.subList(start, i));
                }
                start = i + 1;
            }
        }
        return statements;
    }

    /** Whether the server may split this text differently, or refuses it (see the class comment). */
    public boolean ambiguous() {
        return backslashInPlainString || unterminated;
    }

    /** Whether a quote or comment is left open: PostgreSQL refuses the whole text and runs none of it. */
    public boolean unterminated() {
        return unterminated;
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
                tokens.add(new Token(Kind.QUOTED_IDENT, truncate(body), sql.substring(start, pos)));
            } else if (c == '$' && dollarTag() != null) {
                skipDollarQuoted(dollarTag());
                add(Kind.STRING, start);
            } else if (isIdentStart(c)) {
                while (pos < n && isIdentPart(sql.charAt(pos))) {
                    pos++;
                }
                String word = sql.substring(start, pos);
                tokens.add(new Token(Kind.WORD, truncate(foldAscii(word)), word));
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
        unterminated = true;
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
                backslashInPlainString = true;
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
        unterminated = true;
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
        unterminated |= close < 0;
        pos = close < 0 ? sql.length() : close + tag.length();
    }

    private void number() {
        while (pos < sql.length() && (isIdentPart(sql.charAt(pos)) || sql.charAt(pos) == '.'
                || (sql.charAt(pos) == '+' || sql.charAt(pos) == '-')
                && (sql.charAt(pos - 1) == 'e' || sql.charAt(pos - 1) == 'E'))) {
            pos++;
        }
    }

    /** PostgreSQL's {@code downcase_identifier} in a multi-byte encoding: {@code A}-{@code Z} only. */
    private static String foldAscii(String word) {
        char[] chars = word.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] += 'a' - 'A';
            }
        }
        return new String(chars);
    }

    /** PostgreSQL's {@code truncate_identifier}: at most 63 bytes, never part of a multi-byte character. */
    private static String truncate(String name) {
        if (name.length() * 3 <= MAX_IDENTIFIER_BYTES) {
            return name; // nearly every name: at most 3 UTF-8 bytes per char, so surely short enough
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_IDENTIFIER_BYTES) {
            return name;
        }
        int cut = MAX_IDENTIFIER_BYTES;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) {
            cut--;
        }
        return new String(bytes, 0, cut, StandardCharsets.UTF_8);
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
