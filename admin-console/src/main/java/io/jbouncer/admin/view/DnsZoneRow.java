package io.jbouncer.admin.view;

/** One DNS zone for SHOW DNS_ZONES. */
public record DnsZoneRow(String zonename, long serial, int count) {
}
