package io.jbouncer.admin.sql;

import java.math.BigDecimal;

/**
 * Comparison of the subset's runtime values: {@link Long} and {@link java.math.BigDecimal} compare as numbers,
 * {@link String}s by code point, {@link Boolean}s false before true. A string compared with a number is read as
 * a number, as PostgreSQL reads an untyped literal in the column's type.
 */
final class SqlValues {
    static final int BOOL = 16;

    private SqlValues() {
    }

    /** Compares two non-null values. */
    static int compare(Object left, Object right) {
        if (left instanceof String l && right instanceof String r) {
            return l.compareTo(r);
        }
        if (left instanceof Boolean l && right instanceof Boolean r) {
            return Boolean.compare(l, r);
        }
        if (left instanceof Boolean || right instanceof Boolean) {
            throw SqlErrors.of(SqlErrors.UNDEFINED_FUNCTION, "operator does not exist: boolean and non-boolean");
        }
        return decimal(left).compareTo(decimal(right));
    }

    static BigDecimal decimal(Object value) {
        if (value instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (value instanceof BigDecimal d) {
            return d;
        }
        try {
            return new BigDecimal(((String) value).trim());
        } catch (NumberFormatException e) {
            throw SqlErrors.of(SqlErrors.INVALID_TEXT_REPRESENTATION,
                    "invalid input syntax for type numeric: \"" + value + "\"");
        }
    }

    /** The text form PostgreSQL prints. */
    static String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (value instanceof Boolean b) {
            return b ? "t" : "f";
        }
        return value.toString();
    }
}
