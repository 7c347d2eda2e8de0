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
import io.jbouncer.admin.view.StatCounters;
import io.jbouncer.admin.view.StateRow;
import io.jbouncer.admin.view.StatsRow;
import io.jbouncer.admin.view.TotalsRow;
import io.jbouncer.admin.view.UserRow;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A scripted {@link PoolerView}: fixed snapshots, control verbs recorded, results settable per test. */
final class FakePoolerView implements PoolerView {
    final List<String> calls = new ArrayList<>();
    CompletableFuture<String> nextResult = CompletableFuture.completedFuture(null);
    List<PoolRow> pools = List.of(
            pool("app", "alice", 3, 0, 1_500_000),
            pool("app", "bob", 1, 2, 2_250_000),
            pool("pgbouncer", "pgbouncer", 1, 0, 0),
            pool("reports", "carol", 0, 5, 7_000_001));

    static PoolRow pool(String db, String user, int active, int waiting, long maxWaitMicros) {
        return new PoolRow(db, user, active, waiting, 0, 0, 1, 0, 0, 2, 0, 0, 0, maxWaitMicros, "transaction", null, 0);
    }

    static StatsRow stats(String db, long avgXactTime) {
        return new StatsRow(db, new StatCounters(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
                new StatCounters(0, 0, 0, 0, 0, avgXactTime, 0, 0, 0, 0, 0));
    }

    @Override
    public String version() {
        return "PgBouncer 1.25.2";
    }

    @Override
    public List<PoolRow> pools() {
        return pools;
    }

    @Override
    public List<ConnectionRow> clients() {
        return List.of(new ConnectionRow("C", "alice", "app", "none", "active", "127.0.0.1", 50000, "127.0.0.1",
                6432, 1_700_000_000_000L, 0, 3_000_001, false, "0x1", "0x2", 0, "", "psql", 0, 7));
    }

    @Override
    public List<ConnectionRow> servers() {
        return List.of();
    }

    @Override
    public List<SocketRow> sockets() {
        return List.of(new SocketRow(clients().get(0), 1, 2, 3, 4, 0, 5, 6, true));
    }

    @Override
    public List<DatabaseRow> databases() {
        return List.of(new DatabaseRow("app", "localhost", 5432, "app", null, 20, 0, 0, 3600, null, null, 0, 2, 0,
                4, false, false));
    }

    @Override
    public List<UserRow> users() {
        return List.of(new UserRow("alice", 5, -1, null, 0, 1, 0, 1));
    }

    @Override
    public List<StatsRow> stats() {
        return List.of(stats("app", 500), stats("pgbouncer", 0), stats("reports", 900));
    }

    @Override
    public TotalsRow totals() {
        return new TotalsRow(new StatCounters(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), StatCounters.ZERO);
    }

    @Override
    public List<ConfigRow> config() {
        return List.of(new ConfigRow("default_pool_size", "20", "20", true),
                new ConfigRow("listen_port", "6432", "6432", false));
    }

    @Override
    public ListsRow lists() {
        return new ListsRow(2, 3, 0, 4, 0, 10, 5, 0, 10, 3, 1, 0, 0, 0);
    }

    @Override
    public StateRow state() {
        return new StateRow(false, false, null);
    }

    @Override
    public List<PeerRow> peers() {
        return List.of();
    }

    @Override
    public List<SessionSettingRow> sessionSettings() {
        return List.of(new SessionSettingRow(7, "0x7", "app", "db", "search_path", "tenant_1"));
    }

    @Override
    public List<PeerPoolRow> peerPools() {
        return List.of();
    }

    @Override
    public List<MemRow> mem() {
        return List.of();
    }

    @Override
    public List<DnsHostRow> dnsHosts() {
        return List.of();
    }

    @Override
    public List<DnsZoneRow> dnsZones() {
        return List.of();
    }

    @Override
    public List<FdRow> fds() {
        return List.of(new FdRow(3, "pooler", null, null, "0.0.0.0", 6432, 0, 0, null, null, null, null, null,
                new byte[] {1, (byte) 0xab}, null));
    }

    private CompletionStage<String> call(String call) {
        calls.add(call);
        return nextResult;
    }

    @Override
    public CompletionStage<String> pause(String db) {
        return call("pause " + db);
    }

    @Override
    public CompletionStage<String> resume(String db) {
        return call("resume " + db);
    }

    @Override
    public CompletionStage<String> suspend() {
        return call("suspend");
    }

    @Override
    public CompletionStage<String> disable(String db) {
        return call("disable " + db);
    }

    @Override
    public CompletionStage<String> enable(String db) {
        return call("enable " + db);
    }

    @Override
    public CompletionStage<String> reconnect(String db) {
        return call("reconnect " + db);
    }

    @Override
    public CompletionStage<String> kill(String db) {
        return call("kill " + db);
    }

    @Override
    public CompletionStage<String> killClient(long id) {
        return call("kill_client " + id);
    }

    @Override
    public CompletionStage<String> waitClose(String db) {
        return call("wait_close " + db);
    }

    @Override
    public CompletionStage<String> reload() {
        return call("reload");
    }

    @Override
    public void shutdown(ShutdownMode mode) {
        calls.add("shutdown " + mode);
    }

    @Override
    public CompletionStage<String> set(String key, String value) {
        return call("set " + key + "=" + value);
    }
}
