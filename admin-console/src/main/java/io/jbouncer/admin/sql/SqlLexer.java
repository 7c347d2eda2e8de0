package io.jbouncer.admin.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a query of the SQL subset into tokens: identifiers (unquoted ones lower-cased, {@code "quoted"} ones
 * kept), integer and decimal numbers, {@code 'strings'} with {@code ''} escapes, comparison operators and
 * punctuation. Anything else is a syntax error.
 */
final class SqlLexer {
    private final String sql;
    private int pos;

    private SqlLexer(String sql) {
        this.sql = sql;
    }

    static List<Token> tokenize(String sql) {
        return new SqlLexer(sql).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipBlanks();
            if (pos >= sql.length()) {
                tokens.add(new Token(Token.Kind.END, "", pos));
                return tokens;
            }
            tokens.add(next());
        }
    }

    private Token next() {
        int start = pos;
        char c = sql.charAt(pos);
        if (Character.isLetter(c) || c == '_') {
            while (pos < sql.length() && isIdentifierPart(sql.charAt(pos))) {
                pos++;
            }
            return new Token(Token.Kind.IDENTIFIER, sql.substring(start, pos).toLowerCase(Locale.ROOT), start);
        }
        if (Character.isDigit(c) || c == '.' && pos + 1 < sql.length() && Character.isDigit(sql.charAt(pos + 1))) {
            return number(start);
        }
        if (c == '\'' || c == '"') {
            String text = quoted(c);
            return new Token(c == '"' ? Token.Kind.QUOTED_IDENTIFIER : Token.Kind.STRING, text, start);
        }
        pos++;
        return switch (c) {
            case ',' -> new Token(Token.Kind.COMMA, ",", start);
            case '(' -> new Token(Token.Kind.LEFT_PAREN, "(", start);
            case ')' -> new Token(Token.Kind.RIGHT_PAREN, ")", start);
            case '*' -> new Token(Token.Kind.STAR, "*", start);
            case ';' -> new Token(Token.Kind.SEMICOLON, ";", start);
            case '.' -> new Token(Token.Kind.DOT, ".", start);
            case '-' -> new Token(Token.Kind.MINUS, "-", start);
            case '=' -> new Token(Token.Kind.OPERATOR, "=", start);
            case '<', '>', '!' -> operator(c, start);
            default -> throw SqlErrors.syntaxError(String.valueOf(c));
        };
    }

    private Token operator(char first, int start) {
        char second = pos < sql.length() ? sql.charAt(pos) : 0;
        if (second == '=' || first == '<' && second == '>') {
            pos++;
            return new Token(Token.Kind.OPERATOR, "" + first + second, start);
        }
        if (first == '!') {
            throw SqlErrors.syntaxError("!");
        }
        return new Token(Token.Kind.OPERATOR, String.valueOf(first), start);
    }

    private Token number(int start) {
        boolean decimal = false;
        while (pos < sql.length() && (Character.isDigit(sql.charAt(pos)) || sql.charAt(pos) == '.' && !decimal)) {
            decimal |= sql.charAt(pos) == '.';
            pos++;
        }
        if (pos < sql.length() && isIdentifierPart(sql.charAt(pos))) {
            throw SqlErrors.syntaxError(sql.substring(start, pos + 1));
        }
        return new Token(decimal ? Token.Kind.DECIMAL : Token.Kind.INTEGER, sql.substring(start, pos), start);
    }

    private String quoted(char quote) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (pos < sql.length()) {
            char c = sql.charAt(pos++);
            if (c != quote) {
                sb.append(c);
            } else if (pos < sql.length() && sql.charAt(pos) == quote) {
                sb.append(quote);
                pos++;
            } else {
                return sb.toString();
            }
        }
        throw SqlErrors.syntax(quote == '"' ? "unterminated quoted identifier" : "unterminated quoted string");
    }

    private void skipBlanks() {
        while (pos < sql.length() && Character.isWhitespace(sql.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
