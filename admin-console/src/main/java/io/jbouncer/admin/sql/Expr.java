package io.jbouncer.admin.sql;

/** An expression of the SQL subset, as parsed (column names are resolved when the query is planned). */
sealed interface Expr {

    record ColumnRef(String name) implements Expr {
    }

    /** A literal: {@link Long}, {@link java.math.BigDecimal} or {@link String}, with its type OID. */
    record Literal(Object value, int typeOid) implements Expr {
    }

    /** count, sum, min, max or avg; {@code argument} is null for {@code count(*)}. */
    record Aggregate(String function, Expr argument) implements Expr {
    }

    /** {@code =, <>, <, <=, >, >=} ({@code !=} is parsed as {@code <>}). */
    record Comparison(String operator, Expr left, Expr right) implements Expr {
    }

    record Logical(boolean and, Expr left, Expr right) implements Expr {
    }

    record Not(Expr operand) implements Expr {
    }
}
