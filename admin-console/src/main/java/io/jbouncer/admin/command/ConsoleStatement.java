package io.jbouncer.admin.command;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.admin.PoolerView;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A parsed console statement. Its result columns are known before it runs, so the extended protocol can
 * describe it; permission checks happen when it runs, as in PgBouncer.
 */
public interface ConsoleStatement {
    /** The result columns; empty for statements that return no rows (NoData). */
    List<Column> columns();

    /** Runs the statement; the stage completes later only for the delayed control commands. */
    CompletionStage<Outcome> execute(PoolerView view, ConsoleRole role);
}
