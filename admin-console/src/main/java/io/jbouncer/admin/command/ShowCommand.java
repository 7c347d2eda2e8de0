package io.jbouncer.admin.command;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.admin.PoolerView;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code SHOW <table>} (or {@code SELECT <table>}): the whole table, tag {@code SHOW}. */
record ShowCommand(ShowTable table) implements ConsoleStatement {
    static final String ADMIN_ACCESS_NEEDED = "admin access needed";

    @Override
    public List<Column> columns() {
        return table.columns();
    }

    @Override
    public CompletionStage<Outcome> execute(PoolerView view, ConsoleRole role) {
        if (table.adminOnly() && role != ConsoleRole.ADMIN) {
            return CompletableFuture.completedFuture(ControlCommand.protocolError(ADMIN_ACCESS_NEEDED));
        }
        return CompletableFuture.completedFuture(new Outcome.Rows(table.rows().apply(view), "SHOW"));
    }
}
