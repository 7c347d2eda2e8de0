package io.jbouncer.admin.command;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.admin.PoolerView;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code SHOW HELP}: no rows, a NOTICE {@code Console usage} with the command list as DETAIL, tag SHOW. */
final class HelpCommand implements ConsoleStatement {
    static final String DETAIL = "\n\tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION\n"
            + "\tSHOW PEERS|PEER_POOLS\n"
            + "\tSHOW FDS|SOCKETS|ACTIVE_SOCKETS|LISTS|MEM|STATE\n"
            + "\tSHOW DNS_HOSTS|DNS_ZONES\n"
            + "\tSHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS\n"
            + "\tSET key = arg\n"
            + "\tRELOAD\n"
            + "\tPAUSE [<db>]\n"
            + "\tRESUME [<db>]\n"
            + "\tDISABLE <db>\n"
            + "\tENABLE <db>\n"
            + "\tRECONNECT [<db>]\n"
            + "\tKILL [<db>]\n"
            + "\tKILL_CLIENT <client_id>\n"
            + "\tSUSPEND\n"
            + "\tSHUTDOWN\n"
            + "\tSHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS\n"
            + "\tWAIT_CLOSE [<db>]";

    @Override
    public List<Column> columns() {
        return List.of();
    }

    @Override
    public CompletionStage<Outcome> execute(PoolerView view, ConsoleRole role) {
        return CompletableFuture.completedFuture(
                new Outcome.Done("SHOW", ErrorResponse.notice("Console usage", DETAIL)));
    }
}
