package io.jbouncer.admin.sql;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.command.ConsoleStatement;
import io.jbouncer.admin.command.Outcome;
import io.jbouncer.admin.command.ShowTable;
import io.jbouncer.admin.command.ShowTables;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.RowDescription;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A planned query of the read-only SQL subset over one SHOW table (see {@link SqlParser} for the grammar).
 * Planning resolves columns, checks aggregate and GROUP BY use and derives the result types: a column keeps its
 * source OID, {@code count} is int8, {@code sum} and {@code avg} are numeric, {@code min}/{@code max} keep the
 * argument's type, comparisons are boolean. Rows are fetched from the view when the query runs.
 */
public final class SelectQuery implements ConsoleStatement {
    private static final int AVG_SCALE = 16;

    private final SelectStatement statement;
    private final ShowTable table;
    private final Map<String, Integer> columnIndex = new LinkedHashMap<>();
    private final List<Expr> outputs = new ArrayList<>();
    private final List<Column> columns = new ArrayList<>();
    /** Per ORDER BY item: the output column it names, or -1 to evaluate {@link SelectStatement.Order#expr()}. */
    private final List<Integer> orderOutputs = new ArrayList<>();
    private final boolean grouped;

    private SelectQuery(SelectStatement statement, ShowTable table) {
        this.statement = statement;
        this.table = table;
        for (int i = 0; i < table.columns().size(); i++) {
            columnIndex.put(table.columns().get(i).name(), i);
        }
        plan();
        grouped = statement.groupBy() != null || outputs.stream().anyMatch(SelectQuery::hasAggregate)
                || statement.orderBy().stream().anyMatch(order -> hasAggregate(order.expr()));
        checkGrouping();
    }

    /**
     * Parses and plans {@code sql}.
     *
     * @throws io.jbouncer.admin.command.ConsoleException with the PostgreSQL SQLSTATE of the problem
     */
    public static SelectQuery parse(String sql) {
        SelectStatement statement = SqlParser.parse(sql);
        ShowTable table = ShowTables.find(statement.table()).orElseThrow(() -> SqlErrors.of(
                SqlErrors.UNDEFINED_TABLE, "relation \"" + statement.table() + "\" does not exist"));
        return new SelectQuery(statement, table);
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public CompletionStage<Outcome> execute(PoolerView view, ConsoleRole role) {
        if (table.adminOnly() && role != ConsoleRole.ADMIN) {
            return CompletableFuture.completedFuture(
                    new Outcome.Failed(SqlState.PROTOCOL_VIOLATION, "admin access needed"));
        }
        List<List<Object>> rows = new ArrayList<>();
        for (List<Object> row : table.rows().apply(view)) {
            if (statement.where() == null || Boolean.TRUE.equals(eval(statement.where(), row, List.of(row)))) {
                rows.add(row);
            }
        }
        List<Result> results = new ArrayList<>();
        for (List<List<Object>> group : groups(rows)) {
            List<Object> first = group.isEmpty() ? null : group.get(0);
            List<Object> values = new ArrayList<>(outputs.size());
            for (Expr output : outputs) {
                values.add(eval(output, first, group));
            }
            List<Object> keys = new ArrayList<>();
            for (int i = 0; i < statement.orderBy().size(); i++) {
                int output = orderOutputs.get(i);
                keys.add(output >= 0 ? values.get(output) : eval(statement.orderBy().get(i).expr(), first, group));
            }
            results.add(new Result(values, keys));
        }
        results.sort(ordering());
        long limit = statement.limit() == null ? Long.MAX_VALUE : statement.limit();
        List<List<Object>> out = new ArrayList<>();
        for (Result result : results) {
            if (out.size() >= limit) {
                break;
            }
            List<Object> texts = new ArrayList<>(result.values().size());
            for (Object value : result.values()) {
                texts.add(value instanceof Long || value instanceof String || value == null
                        ? value : SqlValues.text(value));
            }
            out.add(texts);
        }
        return CompletableFuture.completedFuture(new Outcome.Rows(out, "SELECT " + out.size()));
    }

    /** One output row and its ORDER BY keys. */
    private record Result(List<Object> values, List<Object> keys) {
    }

    private void plan() {
        if (statement.items().isEmpty()) {
            for (Column column : table.columns()) {
                outputs.add(new Expr.ColumnRef(column.name()));
                columns.add(column);
            }
        } else {
            for (SelectStatement.Item item : statement.items()) {
                outputs.add(item.expr());
                columns.add(new Column(item.alias() != null ? item.alias() : outputName(item.expr()),
                        typeOf(item.expr())));
            }
        }
        if (statement.where() != null) {
            if (hasAggregate(statement.where())) {
                throw SqlErrors.of(SqlErrors.GROUPING_ERROR, "aggregate functions are not allowed in WHERE");
            }
            requireBoolean(statement.where(), "WHERE");
        }
        if (statement.groupBy() != null) {
            index(statement.groupBy());
        }
        for (SelectStatement.Order order : statement.orderBy()) {
            orderOutputs.add(orderOutput(order.expr()));
        }
    }

    /** ORDER BY 2 names the second output column; a bare name matching an output name names that column. */
    private int orderOutput(Expr expr) {
        if (expr instanceof Expr.Literal literal && literal.value() instanceof Long position) {
            if (position < 1 || position > columns.size()) {
                throw SqlErrors.of(SqlErrors.INVALID_COLUMN_REFERENCE,
                        "ORDER BY position " + position + " is not in select list");
            }
            return (int) (position - 1);
        }
        if (expr instanceof Expr.ColumnRef ref) {
            for (int i = 0; i < columns.size(); i++) {
                if (columns.get(i).name().equals(ref.name())) {
                    return i;
                }
            }
        }
        typeOf(expr);
        return -1;
    }

    private void checkGrouping() {
        if (!grouped) {
            return;
        }
        for (Expr output : outputs) {
            checkGrouped(output);
        }
        for (int i = 0; i < orderOutputs.size(); i++) {
            if (orderOutputs.get(i) < 0) {
                checkGrouped(statement.orderBy().get(i).expr());
            }
        }
    }

    /** Outside aggregates, a grouped query may only use the GROUP BY column. */
    private void checkGrouped(Expr expr) {
        if (expr instanceof Expr.ColumnRef ref && !ref.name().equals(statement.groupBy())) {
            throw SqlErrors.of(SqlErrors.GROUPING_ERROR, "column \"" + ref.name()
                    + "\" must appear in the GROUP BY clause or be used in an aggregate function");
        }
        if (!(expr instanceof Expr.Aggregate)) {
            children(expr).forEach(this::checkGrouped);
        }
    }

    /** The operands of an operator; aggregates and leaves have none here. */
    private static List<Expr> children(Expr expr) {
        if (expr instanceof Expr.Comparison c) {
            return List.of(c.left(), c.right());
        }
        if (expr instanceof Expr.Logical l) {
            return List.of(l.left(), l.right());
        }
        if (expr instanceof Expr.Not n) {
            return List.of(n.operand());
        }
        return List.of();
    }

    private int typeOf(Expr expr) {
        if (expr instanceof Expr.ColumnRef ref) {
            return table.columns().get(index(ref.name())).typeOid();
        }
        if (expr instanceof Expr.Literal literal) {
            return literal.typeOid();
        }
        if (expr instanceof Expr.Aggregate aggregate) {
            return aggregateType(aggregate);
        }
        if (expr instanceof Expr.Comparison c) {
            typeOf(c.left());
            typeOf(c.right());
        } else {
            String operator = expr instanceof Expr.Logical l ? (l.and() ? "AND" : "OR") : "NOT";
            children(expr).forEach(operand -> requireBoolean(operand, operator));
        }
        return SqlValues.BOOL;
    }

    private int aggregateType(Expr.Aggregate aggregate) {
        if (aggregate.argument() == null) {
            return RowDescription.INT8;
        }
        if (hasAggregate(aggregate.argument())) {
            throw SqlErrors.of(SqlErrors.GROUPING_ERROR, "aggregate function calls cannot be nested");
        }
        int argumentType = typeOf(aggregate.argument());
        boolean numeric = argumentType == RowDescription.INT4 || argumentType == RowDescription.INT8
                || argumentType == RowDescription.NUMERIC;
        return switch (aggregate.function()) {
            case "count" -> RowDescription.INT8;
            case "min", "max" -> argumentType;
            default -> {
                if (!numeric) {
                    throw SqlErrors.of(SqlErrors.UNDEFINED_FUNCTION, "function " + aggregate.function() + "("
                            + typeName(argumentType) + ") does not exist");
                }
                yield RowDescription.NUMERIC;
            }
        };
    }

    private void requireBoolean(Expr expr, String context) {
        int type = typeOf(expr);
        if (type != SqlValues.BOOL) {
            throw SqlErrors.of(SqlErrors.DATATYPE_MISMATCH,
                    "argument of " + context + " must be type boolean, not type " + typeName(type));
        }
    }

    private int index(String column) {
        Integer index = columnIndex.get(column);
        if (index == null) {
            throw SqlErrors.of(SqlErrors.UNDEFINED_COLUMN, "column \"" + column + "\" does not exist");
        }
        return index;
    }

    private List<List<List<Object>>> groups(List<List<Object>> rows) {
        if (!grouped) {
            return rows.stream().map(List::of).toList();
        }
        if (statement.groupBy() == null) {
            return List.of(rows);
        }
        int key = index(statement.groupBy());
        Map<Object, List<List<Object>>> groups = new LinkedHashMap<>();
        for (List<Object> row : rows) {
            groups.computeIfAbsent(row.get(key) == null ? Null.NULL : row.get(key), k -> new ArrayList<>()).add(row);
        }
        return List.copyOf(groups.values());
    }

    /** Stands for the NULL group key, since a map key cannot be null. */
    private enum Null { NULL }

    private Comparator<Result> ordering() {
        Comparator<Result> ordering = (a, b) -> 0;
        for (int i = 0; i < statement.orderBy().size(); i++) {
            int key = i;
            boolean descending = statement.orderBy().get(i).descending();
            ordering = ordering.thenComparing((a, b) -> compareKeys(a.keys().get(key), b.keys().get(key), descending));
        }
        return ordering;
    }

    /** PostgreSQL's default: NULLs sort as larger than any value (last ascending, first descending). */
    private static int compareKeys(Object a, Object b, boolean descending) {
        int order;
        if (a == null || b == null) {
            order = a == null ? (b == null ? 0 : 1) : -1;
        } else {
            order = SqlValues.compare(a, b);
        }
        return descending ? -order : order;
    }

    private Object eval(Expr expr, List<Object> row, List<List<Object>> group) {
        if (expr instanceof Expr.ColumnRef ref) {
            return row.get(index(ref.name()));
        }
        if (expr instanceof Expr.Literal literal) {
            return literal.value();
        }
        if (expr instanceof Expr.Aggregate aggregate) {
            return aggregate(aggregate, group);
        }
        if (expr instanceof Expr.Comparison c) {
            return compare(c, eval(c.left(), row, group), eval(c.right(), row, group));
        }
        if (expr instanceof Expr.Logical l) {
            return logical(l, (Boolean) eval(l.left(), row, group), (Boolean) eval(l.right(), row, group));
        }
        Boolean value = (Boolean) eval(((Expr.Not) expr).operand(), row, group);
        return value == null ? null : !value;
    }

    private static Boolean compare(Expr.Comparison comparison, Object left, Object right) {
        if (left == null || right == null) {
            return null;
        }
        int order = SqlValues.compare(left, right);
        return switch (comparison.operator()) {
            case "=" -> order == 0;
            case "<>" -> order != 0;
            case "<" -> order < 0;
            case "<=" -> order <= 0;
            case ">" -> order > 0;
            default -> order >= 0;
        };
    }

    /** SQL three-valued AND/OR. */
    private static Boolean logical(Expr.Logical logical, Boolean left, Boolean right) {
        boolean dominant = !logical.and(); // false decides AND, true decides OR
        if (Boolean.valueOf(dominant).equals(left) || Boolean.valueOf(dominant).equals(right)) {
            return dominant;
        }
        return left == null || right == null ? null : !dominant;
    }

    private Object aggregate(Expr.Aggregate aggregate, List<List<Object>> group) {
        if (aggregate.argument() == null) {
            return (long) group.size();
        }
        List<Object> values = new ArrayList<>();
        for (List<Object> row : group) {
            Object value = eval(aggregate.argument(), row, List.of(row));
            if (value != null) {
                values.add(value);
            }
        }
        return switch (aggregate.function()) {
            case "count" -> (long) values.size();
            case "min" -> values.stream().min(SqlValues::compare).orElse(null);
            case "max" -> values.stream().max(SqlValues::compare).orElse(null);
            case "sum" -> values.isEmpty() ? null : sum(values);
            default -> values.isEmpty() ? null
                    : sum(values).divide(BigDecimal.valueOf(values.size()), AVG_SCALE, RoundingMode.HALF_EVEN);
        };
    }

    private static BigDecimal sum(List<Object> values) {
        BigDecimal sum = BigDecimal.ZERO;
        for (Object value : values) {
            sum = sum.add(SqlValues.decimal(value));
        }
        return sum;
    }

    private static boolean hasAggregate(Expr expr) {
        return expr instanceof Expr.Aggregate || children(expr).stream().anyMatch(SelectQuery::hasAggregate);
    }

    private static String outputName(Expr expr) {
        if (expr instanceof Expr.ColumnRef ref) {
            return ref.name();
        }
        return expr instanceof Expr.Aggregate aggregate ? aggregate.function() : "?column?";
    }

    private static String typeName(int oid) {
        return switch (oid) {
            case RowDescription.INT4 -> "integer";
            case RowDescription.INT8 -> "bigint";
            case RowDescription.NUMERIC -> "numeric";
            case RowDescription.BYTEA -> "bytea";
            case SqlValues.BOOL -> "boolean";
            default -> "text";
        };
    }
}
