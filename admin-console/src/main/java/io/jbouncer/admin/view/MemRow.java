package io.jbouncer.admin.view;

/** One memory cache for SHOW MEM: item size, items used and free, total bytes. */
public record MemRow(String name, int size, int used, int free, int memtotal) {
}
