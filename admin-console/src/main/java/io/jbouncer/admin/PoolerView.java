package io.jbouncer.admin;

import io.jbouncer.admin.view.ConfigRow;
import io.jbouncer.admin.view.ConnectionRow;
import io.jbouncer.admin.view.DatabaseRow;
import io.jbouncer.admin.view.DnsHostRow;
import io.jbouncer.admin.view.DnsZoneRow;
import io.jbouncer.admin.view.FdRow;
import io.jbouncer.admin.view.ListsRow;
import io.jbouncer.admin.view.MemRow;
import io.jbouncer.admin.view.PeerPoolRow;
import io.jbouncer.admin.view.PeerRow;
import io.jbouncer.admin.view.PoolRow;
import io.jbouncer.admin.view.SessionSettingRow;
import io.jbouncer.admin.view.SocketRow;
import io.jbouncer.admin.view.StateRow;
import io.jbouncer.admin.view.StatsRow;
import io.jbouncer.admin.view.TotalsRow;
import io.jbouncer.admin.view.UserRow;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What the console sees of the pooler: snapshots for the SHOW commands and the control verbs. Implemented by
 * proxy-core; the console never sees a pool, a channel or a config object.
 *
 * <p>Snapshot methods are thread-safe, cheap, and return rows already in PgBouncer's order (src/admin.c:
 * pools by database then user, clients active/waiting/cancel lists, ...). Control verbs complete, possibly later
 * and from any thread, with {@code null} on success or the PgBouncer error text (for example
 * {@code "already suspended/paused"}); the console wraps the text in an ERROR 08P01 (F0000 for RELOAD).
 * Arguments named {@code db} are the console argument, unquoted; {@code dbOrNull} is null without an argument.
 */
public interface PoolerView {
    /** The text of SHOW VERSION, e.g. {@code PgBouncer 1.25.2}. */
    String version();

    List<PoolRow> pools();

    List<ConnectionRow> clients();

    List<ConnectionRow> servers();

    /**
     * SHOW SESSION_SETTINGS (a jbouncer extension): every client's settings tracked by
     * {@code track_session_settings}, in SHOW CLIENTS order; empty when the switch is off.
     */
    List<SessionSettingRow> sessionSettings();

    List<SocketRow> sockets();

    List<DatabaseRow> databases();

    List<UserRow> users();

    /** Totals and averages per database having pools, by name, console database included. */
    List<StatsRow> stats();

    /** Totals and averages over all pools. */
    TotalsRow totals();

    List<ConfigRow> config();

    ListsRow lists();

    StateRow state();

    List<PeerRow> peers();

    List<PeerPoolRow> peerPools();

    List<MemRow> mem();

    List<DnsHostRow> dnsHosts();

    List<DnsZoneRow> dnsZones();

    /** Rows of SHOW FDS; an implementation without online restart may return no rows. */
    List<FdRow> fds();

    /** PAUSE [db]: completes once no server of the database (all without argument) is active. */
    CompletionStage<String> pause(String dbOrNull);

    CompletionStage<String> resume(String dbOrNull);

    /** SUSPEND: completes once buffers are flushed. */
    CompletionStage<String> suspend();

    CompletionStage<String> disable(String db);

    CompletionStage<String> enable(String db);

    CompletionStage<String> reconnect(String dbOrNull);

    CompletionStage<String> kill(String dbOrNull);

    /** KILL_CLIENT: {@code id} is the SHOW CLIENTS id; completes with {@code "client not found"} if unknown. */
    CompletionStage<String> killClient(long id);

    /** WAIT_CLOSE [db]: completes once no close_needed server remains. */
    CompletionStage<String> waitClose(String dbOrNull);

    /** RELOAD: an error text is reported with SQLSTATE F0000. */
    CompletionStage<String> reload();

    /** SHUTDOWN [mode]; for {@link ShutdownMode#IMMEDIATE} the console sends no reply. */
    void shutdown(ShutdownMode mode);

    /** SET key = value for a pooler setting (a key listed by {@link #config()}); error text e.g. {@code SET failed}. */
    CompletionStage<String> set(String key, String value);
}
