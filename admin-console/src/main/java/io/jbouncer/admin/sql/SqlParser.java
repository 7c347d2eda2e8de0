package io.jbouncer.admin.sql;

import io.jbouncer.protocol.message.RowDescription;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Recursive-descent parser of the SQL subset:
 * <pre>
 * select  := SELECT ( '*' | item {',' item} ) FROM name [WHERE expr] [GROUP BY column]
 *            [ORDER BY order {',' order}] [LIMIT integer] [';']
 * item    := expr [[AS] name]
 * order   := expr [ASC | DESC]
 * expr    := and {OR and};  and := not {AND not};  not := NOT not | compare
 * compare := primary [('=' | '&lt;&gt;' | '!=' | '&lt;' | '&lt;=' | '&gt;' | '&gt;=') primary]
 * primary := column | integer | decimal | '-' number | 'string' | aggregate '(' ('*' | expr) ')' | '(' expr ')'
 * </pre>
 * Recognised SQL outside the subset (joins, HAVING, OFFSET, DISTINCT, set operations, other functions...) is
 * reported as 0A000 naming the feature; anything else as a 42601 syntax error.
 */
final class SqlParser {
    private static final Set<String> AGGREGATES = Set.of("count", "sum", "min", "max", "avg");
    /** Words that end an expression or a select item; never taken as an alias. */
    private static final Set<String> RESERVED = Set.of("select", "from", "where", "group", "by", "order", "limit",
            "asc", "desc", "and", "or", "not", "as", "join", "inner", "left", "right", "full", "cross", "natural",
            "on", "having", "offset", "fetch", "union", "intersect", "except", "distinct", "all", "nulls", "into",
            "window", "for", "with", "is", "in", "like", "between", "case", "null", "true", "false");
    private static final Set<String> JOINS = Set.of("join", "inner", "left", "right", "full", "cross", "natural");
    private static final Set<String> SET_OPERATIONS = Set.of("union", "intersect", "except");

    private final List<Token> tokens;
    private int index;

    private SqlParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static SelectStatement parse(String sql) {
        return new SqlParser(SqlLexer.tokenize(sql)).select();
    }

    private SelectStatement select() {
        expect("select");
        if (peek().is("distinct")) {
            throw SqlErrors.unsupported("DISTINCT");
        }
        List<SelectStatement.Item> items = new ArrayList<>();
        if (peek().is(Token.Kind.STAR)) {
            advance();
        } else {
            do {
                items.add(item());
            } while (accept(Token.Kind.COMMA));
        }
        if (!peek().is("from")) {
            throw peek().is(Token.Kind.END) ? SqlErrors.unsupported("SELECT without FROM") : unexpected();
        }
        advance();
        if (peek().is(Token.Kind.LEFT_PAREN)) {
            throw SqlErrors.unsupported("subqueries");
        }
        String table = name();
        rejectAfterTable();
        Expr where = accept("where") ? expr() : null;
        String groupBy = null;
        if (accept("group")) {
            expect("by");
            groupBy = name();
            if (peek().is(Token.Kind.COMMA)) {
                throw SqlErrors.unsupported("GROUP BY more than one column");
            }
        }
        if (peek().is("having")) {
            throw SqlErrors.unsupported("HAVING");
        }
        List<SelectStatement.Order> orderBy = new ArrayList<>();
        if (accept("order")) {
            expect("by");
            do {
                orderBy.add(order());
            } while (accept(Token.Kind.COMMA));
        }
        Long limit = accept("limit") ? limit() : null;
        if (peek().is("offset") || peek().is("fetch")) {
            throw SqlErrors.unsupported(peek().text().toUpperCase(Locale.ROOT));
        }
        accept(Token.Kind.SEMICOLON);
        if (SET_OPERATIONS.contains(peek().text()) && peek().is(Token.Kind.IDENTIFIER)) {
            throw SqlErrors.unsupported(peek().text().toUpperCase(Locale.ROOT));
        }
        if (!peek().is(Token.Kind.END)) {
            throw peek().is(Token.Kind.IDENTIFIER) && peek().text().equals("select")
                    ? SqlErrors.unsupported("more than one statement per query") : unexpected();
        }
        return new SelectStatement(items, table, where, groupBy, orderBy, limit);
    }

    private void rejectAfterTable() {
        Token next = peek();
        if (next.is(Token.Kind.COMMA) || next.is(Token.Kind.IDENTIFIER) && JOINS.contains(next.text())) {
            throw SqlErrors.unsupported("joining tables");
        }
        if (next.is(Token.Kind.DOT)) {
            throw SqlErrors.unsupported("schema-qualified table names");
        }
        if (next.is(Token.Kind.IDENTIFIER) && !RESERVED.contains(next.text()) || next.is("as")) {
            throw SqlErrors.unsupported("table aliases");
        }
    }

    private SelectStatement.Item item() {
        Expr expr = expr();
        if (accept("as")) {
            return new SelectStatement.Item(expr, name());
        }
        Token next = peek();
        if (next.is(Token.Kind.QUOTED_IDENTIFIER)
                || next.is(Token.Kind.IDENTIFIER) && !RESERVED.contains(next.text())) {
            return new SelectStatement.Item(expr, name());
        }
        return new SelectStatement.Item(expr, null);
    }

    private SelectStatement.Order order() {
        Expr expr = expr();
        boolean descending = false;
        if (accept("desc")) {
            descending = true;
        } else {
            accept("asc");
        }
        if (peek().is("nulls")) {
            throw SqlErrors.unsupported("NULLS FIRST/LAST");
        }
        return new SelectStatement.Order(expr, descending);
    }

    private Long limit() {
        Token token = advance();
        if (!token.is(Token.Kind.INTEGER)) {
            throw token.is("all") ? SqlErrors.unsupported("LIMIT ALL") : unexpected(token);
        }
        try {
            return Long.parseLong(token.text());
        } catch (NumberFormatException e) {
            throw SqlErrors.of(SqlErrors.DATATYPE_MISMATCH, "LIMIT value out of range: " + token.text());
        }
    }

    private Expr expr() {
        Expr left = and();
        while (accept("or")) {
            left = new Expr.Logical(false, left, and());
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        while (accept("and")) {
            left = new Expr.Logical(true, left, not());
        }
        return left;
    }

    private Expr not() {
        return accept("not") ? new Expr.Not(not()) : comparison();
    }

    private Expr comparison() {
        Expr left = primary();
        Token next = peek();
        if (next.is(Token.Kind.OPERATOR)) {
            advance();
            String operator = next.text().equals("!=") ? "<>" : next.text();
            return new Expr.Comparison(operator, left, primary());
        }
        if (next.is(Token.Kind.IDENTIFIER) && Set.of("is", "in", "like", "between").contains(next.text())) {
            throw SqlErrors.unsupported("the " + next.text().toUpperCase(Locale.ROOT) + " operator");
        }
        return left;
    }

    private Expr primary() {
        Token token = advance();
        switch (token.kind()) {
            case INTEGER:
                return integer(token.text());
            case DECIMAL:
                return new Expr.Literal(new BigDecimal(token.text()), RowDescription.NUMERIC);
            case STRING:
                return new Expr.Literal(token.text(), RowDescription.TEXT);
            case MINUS:
                return negative();
            case LEFT_PAREN:
                if (peek().is("select")) {
                    throw SqlErrors.unsupported("subqueries");
                }
                Expr inner = expr();
                expect(Token.Kind.RIGHT_PAREN);
                return inner;
            case QUOTED_IDENTIFIER:
                return new Expr.ColumnRef(token.text());
            case IDENTIFIER:
                return identifier(token);
            default:
                break;
        }
        throw unexpected(token);
    }

    private Expr identifier(Token token) {
        if (peek().is(Token.Kind.LEFT_PAREN)) {
            advance();
            return call(token.text());
        }
        if (peek().is(Token.Kind.DOT)) {
            throw SqlErrors.unsupported("qualified column names");
        }
        if (token.is("case")) {
            throw SqlErrors.unsupported("CASE");
        }
        if (token.is("null") || token.is("true") || token.is("false")) {
            throw SqlErrors.unsupported(token.text().toUpperCase(Locale.ROOT) + " literals");
        }
        if (RESERVED.contains(token.text())) {
            throw unexpected(token);
        }
        return new Expr.ColumnRef(token.text());
    }

    private Expr call(String function) {
        if (!AGGREGATES.contains(function)) {
            throw SqlErrors.unsupported("function " + function + "()");
        }
        if (peek().is("distinct")) {
            throw SqlErrors.unsupported("DISTINCT in aggregates");
        }
        Expr argument = null;
        if (function.equals("count") && peek().is(Token.Kind.STAR)) {
            advance();
        } else {
            argument = expr();
        }
        expect(Token.Kind.RIGHT_PAREN);
        return new Expr.Aggregate(function, argument);
    }

    private Expr negative() {
        Token token = advance();
        if (token.is(Token.Kind.INTEGER)) {
            return integer("-" + token.text());
        }
        if (token.is(Token.Kind.DECIMAL)) {
            return new Expr.Literal(new BigDecimal("-" + token.text()), RowDescription.NUMERIC);
        }
        throw SqlErrors.unsupported("arithmetic");
    }

    private static Expr.Literal integer(String text) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException tooLarge) {
            return new Expr.Literal(new BigDecimal(text), RowDescription.NUMERIC);
        }
        boolean int4 = value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
        return new Expr.Literal(value, int4 ? RowDescription.INT4 : RowDescription.INT8);
    }

    private String name() {
        Token token = advance();
        if (token.is(Token.Kind.QUOTED_IDENTIFIER)
                || token.is(Token.Kind.IDENTIFIER) && !RESERVED.contains(token.text())) {
            return token.text();
        }
        throw unexpected(token);
    }

    private void expect(String keyword) {
        if (!accept(keyword)) {
            throw unexpected();
        }
    }

    private void expect(Token.Kind kind) {
        if (!accept(kind)) {
            throw unexpected();
        }
    }

    private boolean accept(String keyword) {
        if (peek().is(Token.Kind.IDENTIFIER) && peek().text().equals(keyword)) {
            index++;
            return true;
        }
        return false;
    }

    private boolean accept(Token.Kind kind) {
        if (peek().is(kind)) {
            index++;
            return true;
        }
        return false;
    }

    private Token peek() {
        return tokens.get(index);
    }

    private Token advance() {
        Token token = tokens.get(index);
        if (!token.is(Token.Kind.END)) {
            index++;
        }
        return token;
    }

    private RuntimeException unexpected() {
        return unexpected(peek());
    }

    private static RuntimeException unexpected(Token token) {
        return SqlErrors.syntaxError(token.display());
    }
}
