package io.jbouncer.admin.view;

/** One {@code [peers]} entry for SHOW PEERS; {@code poolSize} is effective. */
public record PeerRow(int peerId, String host, int port, int poolSize) {
}
