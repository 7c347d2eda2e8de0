package io.jbouncer.admin.command;

import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.view.ConfigRow;
import io.jbouncer.admin.view.DnsHostRow;
import io.jbouncer.admin.view.DnsZoneRow;
import io.jbouncer.admin.view.FdRow;
import io.jbouncer.admin.view.ListsRow;
import io.jbouncer.admin.view.MemRow;
import io.jbouncer.admin.view.StateRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** SHOW LISTS, CONFIG, MEM, DNS_HOSTS, DNS_ZONES, VERSION, STATE and FDS: process-wide information. */
final class ProcessTables {
    private ProcessTables() {
    }

    static List<ShowTable> all() {
        return List.of(lists(), config(), mem(), dnsHosts(), dnsZones(), version(), state(), fds());
    }

    private static ShowTable lists() {
        return new TableBuilder<Map.Entry<String, Integer>>()
                .text("list", Map.Entry::getKey)
                .int4("items", Map.Entry::getValue)
                .build("lists", view -> listEntries(view.lists()));
    }

    private static List<Map.Entry<String, Integer>> listEntries(ListsRow lists) {
        return List.of(
                Map.entry("databases", lists.databases()),
                Map.entry("users", lists.users()),
                Map.entry("peers", lists.peers()),
                Map.entry("pools", lists.pools()),
                Map.entry("peer_pools", lists.peerPools()),
                Map.entry("free_clients", lists.freeClients()),
                Map.entry("used_clients", lists.usedClients()),
                Map.entry("login_clients", lists.loginClients()),
                Map.entry("free_servers", lists.freeServers()),
                Map.entry("used_servers", lists.usedServers()),
                Map.entry("dns_names", lists.dnsNames()),
                Map.entry("dns_zones", lists.dnsZones()),
                Map.entry("dns_queries", lists.dnsQueries()),
                Map.entry("dns_pending", lists.dnsPending()));
    }

    private static ShowTable config() {
        return new TableBuilder<ConfigRow>()
                .text("key", ConfigRow::key)
                .text("value", ConfigRow::value)
                .text("default", ConfigRow::defaultValue)
                .text("changeable", row -> yesNo(row.changeable()))
                .build("config", PoolerView::config);
    }

    private static ShowTable mem() {
        return new TableBuilder<MemRow>()
                .text("name", MemRow::name)
                .int4("size", MemRow::size)
                .int4("used", MemRow::used)
                .int4("free", MemRow::free)
                .int4("memtotal", MemRow::memtotal)
                .build("mem", PoolerView::mem);
    }

    private static ShowTable dnsHosts() {
        return new TableBuilder<DnsHostRow>()
                .text("hostname", DnsHostRow::hostname)
                .int8("ttl", DnsHostRow::ttl)
                .text("addrs", DnsHostRow::addrs)
                .build("dns_hosts", PoolerView::dnsHosts);
    }

    private static ShowTable dnsZones() {
        return new TableBuilder<DnsZoneRow>()
                .text("zonename", DnsZoneRow::zonename)
                .int8("serial", DnsZoneRow::serial)
                .int4("count", DnsZoneRow::count)
                .build("dns_zones", PoolerView::dnsZones);
    }

    private static ShowTable version() {
        return new TableBuilder<String>()
                .text("version", text -> text)
                .build("version", view -> List.of(view.version()));
    }

    /**
     * PgBouncer's three rows, then jbouncer's {@code last_reload_time}, {@code last_reload_result} ({@code ok} or
     * {@code failed}) and {@code last_reload_message} once a reload has happened: a key/value table, so clients
     * reading PgBouncer's rows by key are unaffected.
     */
    private static ShowTable state() {
        return new TableBuilder<Map.Entry<String, String>>()
                .text("key", Map.Entry::getKey)
                .text("value", Map.Entry::getValue)
                .build("state", view -> {
                    StateRow state = view.state();
                    List<Map.Entry<String, String>> rows = new ArrayList<>(List.of(
                            Map.entry("active", yesNo(state.active())),
                            Map.entry("paused", yesNo(state.paused())),
                            Map.entry("suspended", yesNo(state.suspended()))));
                    StateRow.ReloadOutcome reload = state.lastReload();
                    if (reload != null) {
                        rows.add(Map.entry("last_reload_time", reload.time()));
                        rows.add(Map.entry("last_reload_result", reload.ok() ? "ok" : "failed"));
                        rows.add(Map.entry("last_reload_message", reload.message()));
                    }
                    return rows;
                });
    }

    private static ShowTable fds() {
        return new TableBuilder<FdRow>()
                .int4("fd", FdRow::fd)
                .text("task", FdRow::task)
                .text("user", FdRow::user)
                .text("database", FdRow::database)
                .text("addr", FdRow::addr)
                .int4("port", FdRow::port)
                .int8("cancel", FdRow::cancel)
                .int4("link", FdRow::link)
                .text("client_encoding", FdRow::clientEncoding)
                .text("std_strings", FdRow::stdStrings)
                .text("datestyle", FdRow::datestyle)
                .text("timezone", FdRow::timezone)
                .text("password", FdRow::password)
                .bytea("scram_client_key", FdRow::scramClientKey)
                .bytea("scram_server_key", FdRow::scramServerKey)
                .build("fds", PoolerView::fds, true);
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }
}
