package io.jbouncer.core.prepared;

import java.util.Arrays;

/**
 * What makes two prepared statements the same for PostgreSQL: the query text and the parameter type OIDs of their
 * Parse (as PgBouncer: the global cache is keyed by both). Value equality; the hash is computed once.
 */
public final class StatementText {
    private final String sql;
    private final int[] parameterTypes;
    private final int hash;

    public StatementText(String sql, int[] parameterTypes) {
        this.sql = sql;
        this.parameterTypes = parameterTypes.clone();
        this.hash = 31 * sql.hashCode() + Arrays.hashCode(parameterTypes);
    }

    public String sql() {
        return sql;
    }

    /** The parameter type OIDs (0 = unspecified); a copy. */
    public int[] parameterTypes() {
        return parameterTypes.clone();
    }

    /** Roughly what this text costs in memory, for the per-client bound: two bytes per char, four per OID. */
    public long footprint() {
        return 2L * sql.length() + 4L * parameterTypes.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StatementText that && hash == that.hash && sql.equals(that.sql)
                && Arrays.equals(parameterTypes, that.parameterTypes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "StatementText[" + sql.length() + " chars, " + parameterTypes.length + " parameters]";
    }
}
