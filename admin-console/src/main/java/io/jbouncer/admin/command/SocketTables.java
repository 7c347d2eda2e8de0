package io.jbouncer.admin.command;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.view.ConnectionRow;
import io.jbouncer.admin.view.SessionSettingRow;
import io.jbouncer.admin.view.SocketRow;
import java.util.List;

/**
 * SHOW CLIENTS, SERVERS, SOCKETS and ACTIVE_SOCKETS: the 21 connection columns, plus 7 buffer columns; and
 * jbouncer's SHOW SESSION_SETTINGS, one row per setting of a client.
 */
final class SocketTables {
    private static final long MICROS = 1_000_000L;

    private SocketTables() {
    }

    static List<ShowTable> all() {
        TableBuilder<SocketRow> sockets = new TableBuilder<SocketRow>()
                .include(connectionColumns(), SocketRow::connection)
                .int4("recv_pos", SocketRow::recvPos)
                .int4("pkt_pos", SocketRow::pktPos)
                .int4("pkt_remain", SocketRow::pktRemain)
                .int4("send_pos", SocketRow::sendPos)
                .int4("send_remain", SocketRow::sendRemain)
                .int4("pkt_avail", SocketRow::pktAvail)
                .int4("send_avail", SocketRow::sendAvail);
        return List.of(
                connectionColumns().build("clients", PoolerView::clients),
                connectionColumns().build("servers", PoolerView::servers),
                sockets.build("sockets", PoolerView::sockets),
                sockets.build("active_sockets",
                        view -> view.sockets().stream().filter(SocketRow::buffered).toList()),
                new TableBuilder<SessionSettingRow>()
                        .int4("id", SessionSettingRow::id)
                        .text("ptr", SessionSettingRow::ptr)
                        .text("user", SessionSettingRow::user)
                        .text("database", SessionSettingRow::database)
                        .text("name", SessionSettingRow::name)
                        .text("value", SessionSettingRow::value)
                        .build("session_settings", PoolerView::sessionSettings));
    }

    private static TableBuilder<ConnectionRow> connectionColumns() {
        return new TableBuilder<ConnectionRow>()
                .text("type", ConnectionRow::type)
                .text("user", ConnectionRow::user)
                .text("database", ConnectionRow::database)
                .text("replication", ConnectionRow::replication)
                .text("state", ConnectionRow::state)
                .text("addr", ConnectionRow::addr)
                .int4("port", ConnectionRow::port)
                .text("local_addr", ConnectionRow::localAddr)
                .int4("local_port", ConnectionRow::localPort)
                .text("connect_time", row -> ConsoleTime.format(row.connectTimeMillis()))
                .text("request_time", row -> ConsoleTime.format(row.requestTimeMillis()))
                .int4("wait", row -> row.waitMicros() / MICROS)
                .int4("wait_us", row -> row.waitMicros() % MICROS)
                .int4("close_needed", row -> row.closeNeeded() ? 1 : 0)
                .text("ptr", ConnectionRow::ptr)
                .text("link", ConnectionRow::link)
                .int4("remote_pid", ConnectionRow::remotePid)
                .text("tls", ConnectionRow::tls)
                .text("application_name", ConnectionRow::applicationName)
                .int4("prepared_statements", ConnectionRow::preparedStatements)
                .int4("id", ConnectionRow::id);
    }
}
