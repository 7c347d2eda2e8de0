package io.jbouncer.admin.sql;

/** One lexical token of the SQL subset; {@code text} is lower-cased for unquoted identifiers. */
record Token(Kind kind, String text, int position) {

    enum Kind { IDENTIFIER, QUOTED_IDENTIFIER, INTEGER, DECIMAL, STRING, OPERATOR, COMMA, LEFT_PAREN, RIGHT_PAREN,
        STAR, MINUS, SEMICOLON, DOT, END }

    boolean is(Kind expected) {
        return kind == expected;
    }

    /** True for the unquoted keyword or operator {@code word} (keywords are matched lower-case). */
    boolean is(String word) {
        return (kind == Kind.IDENTIFIER || kind == Kind.OPERATOR) && text.equals(word);
    }

    /** The token as PostgreSQL quotes it in {@code syntax error at or near "..."}. */
    String display() {
        return kind == Kind.STRING ? "'" + text + "'" : text;
    }
}
