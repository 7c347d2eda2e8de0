package io.jbouncer.admin.command;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.protocol.message.RowDescription;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Declares a {@link ShowTable} column by column, each with its type and the accessor of a view record, so the
 * column list and the row layout cannot drift apart.
 *
 * @param <R> the view record one row is made of
 */
final class TableBuilder<R> {
    private final List<Column> columns = new ArrayList<>();
    private final List<Function<R, Object>> accessors = new ArrayList<>();

    TableBuilder<R> text(String name, Function<R, String> accessor) {
        return add(name, RowDescription.TEXT, accessor::apply);
    }

    TableBuilder<R> int4(String name, ToLongFunction<R> accessor) {
        return add(name, RowDescription.INT4, row -> accessor.applyAsLong(row));
    }

    TableBuilder<R> int8(String name, ToLongFunction<R> accessor) {
        return add(name, RowDescription.INT8, row -> accessor.applyAsLong(row));
    }

    TableBuilder<R> numeric(String name, ToLongFunction<R> accessor) {
        return add(name, RowDescription.NUMERIC, row -> accessor.applyAsLong(row));
    }

    /** A bytea column in PostgreSQL's hex text form; a null array prints NULL. */
    TableBuilder<R> bytea(String name, Function<R, byte[]> accessor) {
        return add(name, RowDescription.BYTEA, row -> hex(accessor.apply(row)));
    }

    /** Adds every column of {@code other}, reading them from the part of {@code R} that {@code part} selects. */
    <P> TableBuilder<R> include(TableBuilder<P> other, Function<R, P> part) {
        columns.addAll(other.columns);
        for (Function<P, Object> accessor : other.accessors) {
            accessors.add(row -> accessor.apply(part.apply(row)));
        }
        return this;
    }

    ShowTable build(String name, Function<PoolerView, List<R>> source) {
        return build(name, source, false);
    }

    ShowTable build(String name, Function<PoolerView, List<R>> source, boolean adminOnly) {
        List<Function<R, Object>> fixed = List.copyOf(accessors);
        return new ShowTable(name, columns, view -> {
            List<List<Object>> rows = new ArrayList<>();
            for (R record : source.apply(view)) {
                List<Object> row = new ArrayList<>(fixed.size());
                for (Function<R, Object> accessor : fixed) {
                    row.add(accessor.apply(record));
                }
                rows.add(row);
            }
            return rows;
        }, adminOnly);
    }

    private TableBuilder<R> add(String name, int typeOid, Function<R, Object> accessor) {
        columns.add(new Column(name, typeOid));
        accessors.add(accessor);
        return this;
    }

    private static String hex(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(2 + bytes.length * 2).append("\\x");
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }
}
