package io.jbouncer.admin.sql;

import java.util.List;

/**
 * A parsed {@code SELECT} of the subset. {@code items} is empty for {@code SELECT *}; {@code where},
 * {@code groupBy} and {@code limit} are null when absent.
 */
record SelectStatement(List<Item> items, String table, Expr where, String groupBy, List<Order> orderBy,
                       Long limit) {

    record Item(Expr expr, String alias) {
    }

    record Order(Expr expr, boolean descending) {
    }
}
