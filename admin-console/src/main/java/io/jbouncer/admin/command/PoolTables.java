package io.jbouncer.admin.command;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.view.DatabaseRow;
import io.jbouncer.admin.view.PeerPoolRow;
import io.jbouncer.admin.view.PeerRow;
import io.jbouncer.admin.view.PoolRow;
import io.jbouncer.admin.view.UserRow;
import java.util.List;

/** SHOW POOLS, PEER_POOLS, DATABASES, USERS and PEERS. */
final class PoolTables {
    private static final long MICROS = 1_000_000L;

    private PoolTables() {
    }

    static List<ShowTable> all() {
        return List.of(pools(), peerPools(), databases(), users(), peers());
    }

    private static ShowTable pools() {
        return new TableBuilder<PoolRow>()
                .text("database", PoolRow::database)
                .text("user", PoolRow::user)
                .int4("cl_active", PoolRow::clActive)
                .int4("cl_waiting", PoolRow::clWaiting)
                .int4("cl_active_cancel_req", PoolRow::clActiveCancelReq)
                .int4("cl_waiting_cancel_req", PoolRow::clWaitingCancelReq)
                .int4("sv_active", PoolRow::svActive)
                .int4("sv_active_cancel", PoolRow::svActiveCancel)
                .int4("sv_being_canceled", PoolRow::svBeingCanceled)
                .int4("sv_idle", PoolRow::svIdle)
                .int4("sv_used", PoolRow::svUsed)
                .int4("sv_tested", PoolRow::svTested)
                .int4("sv_login", PoolRow::svLogin)
                .int4("maxwait", row -> row.maxWaitMicros() / MICROS)
                .int4("maxwait_us", row -> row.maxWaitMicros() % MICROS)
                .text("pool_mode", PoolRow::poolMode)
                .text("load_balance_hosts", PoolRow::loadBalanceHosts)
                .int4("sv_listen", PoolRow::svListen) // jbouncer's own: always the last column
                .build("pools", PoolerView::pools);
    }

    private static ShowTable peerPools() {
        return new TableBuilder<PeerPoolRow>()
                .int4("peer_id", PeerPoolRow::peerId)
                .int4("cl_active_cancel_req", PeerPoolRow::clActiveCancelReq)
                .int4("cl_waiting_cancel_req", PeerPoolRow::clWaitingCancelReq)
                .int4("sv_active_cancel", PeerPoolRow::svActiveCancel)
                .int4("sv_login", PeerPoolRow::svLogin)
                .build("peer_pools", PoolerView::peerPools);
    }

    private static ShowTable databases() {
        return new TableBuilder<DatabaseRow>()
                .text("name", DatabaseRow::name)
                .text("host", DatabaseRow::host)
                .int4("port", DatabaseRow::port)
                .text("database", DatabaseRow::database)
                .text("force_user", DatabaseRow::forceUser)
                .int4("pool_size", DatabaseRow::poolSize)
                .int4("min_pool_size", DatabaseRow::minPoolSize)
                .int4("reserve_pool_size", DatabaseRow::reservePoolSize)
                .int4("server_lifetime", DatabaseRow::serverLifetime)
                .text("pool_mode", DatabaseRow::poolMode)
                .text("load_balance_hosts", DatabaseRow::loadBalanceHosts)
                .int4("max_connections", DatabaseRow::maxConnections)
                .int4("current_connections", DatabaseRow::currentConnections)
                .int4("max_client_connections", DatabaseRow::maxClientConnections)
                .int4("current_client_connections", DatabaseRow::currentClientConnections)
                .int4("paused", row -> row.paused() ? 1 : 0)
                .int4("disabled", row -> row.disabled() ? 1 : 0)
                .build("databases", PoolerView::databases);
    }

    private static ShowTable users() {
        return new TableBuilder<UserRow>()
                .text("name", UserRow::name)
                .text("pool_size", row -> padded(row.poolSize()))
                .text("reserve_pool_size", row -> padded(row.reservePoolSize()))
                .text("pool_mode", UserRow::poolMode)
                .int4("max_user_connections", UserRow::maxUserConnections)
                .int4("current_connections", UserRow::currentConnections)
                .int4("max_user_client_connections", UserRow::maxUserClientConnections)
                .int4("current_client_connections", UserRow::currentClientConnections)
                .build("users", PoolerView::users);
    }

    private static ShowTable peers() {
        return new TableBuilder<PeerRow>()
                .int4("peer_id", PeerRow::peerId)
                .text("host", PeerRow::host)
                .int4("port", PeerRow::port)
                .int4("pool_size", PeerRow::poolSize)
                .build("peers", PoolerView::peers);
    }

    /** SHOW USERS quirk: per-user sizes are text, {@code %9d} when set, empty when not. */
    private static String padded(int size) {
        return size < 0 ? "" : String.format("%9d", size);
    }
}
