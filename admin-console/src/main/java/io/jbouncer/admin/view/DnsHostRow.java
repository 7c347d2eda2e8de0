package io.jbouncer.admin.view;

/** One cached host name for SHOW DNS_HOSTS: seconds left of its TTL and its addresses, comma-separated. */
public record DnsHostRow(String hostname, long ttl, String addrs) {
}
