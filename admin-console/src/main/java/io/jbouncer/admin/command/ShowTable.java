package io.jbouncer.admin.command;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.List;
import java.util.function.Function;

/**
 * One SHOW result as data: its columns (names and type OIDs exactly as PgBouncer 1.25.2) and a function taking
 * a snapshot of the pooler into rows. Row values are {@link String}, {@link Long} (int4, int8 and numeric
 * columns) or null, one per column; the same rows feed SHOW and the SQL subset.
 */
public record ShowTable(String name, List<Column> columns, Function<PoolerView, List<List<Object>>> rows,
                        boolean adminOnly) {
    public ShowTable {
        columns = List.copyOf(columns);
    }
}
