package io.jbouncer.admin.command;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.view.ConfigRow;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code SET key = value}. A fake parameter is ignored with a NOTICE for any user; a pooler setting (a key of
 * SHOW CONFIG) needs an admin and answers the tag {@code SET key=value}.
 *
 * <p>Beyond PgBouncer, which answers {@code SET failed} for unknown keys: a key that is neither fake nor a pooler
 * setting (e.g. {@code application_name} sent by drivers) is ignored like a fake parameter, so drivers that set
 * session parameters at connect time can use the console.
 */
record SetCommand(String key, String value) implements ConsoleStatement {

    @Override
    public List<Column> columns() {
        return List.of();
    }

    @Override
    public CompletionStage<Outcome> execute(PoolerView view, ConsoleRole role) {
        if (FakeParameter.find(key).isPresent() || !isPoolerSetting(view)) {
            return CompletableFuture.completedFuture(FakeParameter.ignoredSet());
        }
        if (role != ConsoleRole.ADMIN) {
            return CompletableFuture.completedFuture(ControlCommand.protocolError(ShowCommand.ADMIN_ACCESS_NEEDED));
        }
        return view.set(key, value).thenApply(error -> error == null
                ? new Outcome.Done("SET " + key + "=" + value)
                : ControlCommand.protocolError(error));
    }

    private boolean isPoolerSetting(PoolerView view) {
        for (ConfigRow row : view.config()) {
            if (row.key().equalsIgnoreCase(key)) {
                return true;
            }
        }
        return false;
    }
}
