package io.jbouncer.admin.view;

/** The counters of SHOW LISTS. */
public record ListsRow(int databases, int users, int peers, int pools, int peerPools, int freeClients,
                       int usedClients, int loginClients, int freeServers, int usedServers, int dnsNames,
                       int dnsZones, int dnsQueries, int dnsPending) {
}
