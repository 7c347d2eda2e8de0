package io.jbouncer.admin.view;

/**
 * One socket for SHOW SOCKETS / SHOW ACTIVE_SOCKETS: the 21 connection columns (with a socket state such as
 * {@code cl_active} or {@code sv_idle}) plus the 7 buffer columns. {@code buffered} is true when the socket has
 * unsent or unparsed data, the filter of ACTIVE_SOCKETS.
 */
public record SocketRow(ConnectionRow connection, int recvPos, int pktPos, int pktRemain, int sendPos,
                        int sendRemain, int pktAvail, int sendAvail, boolean buffered) {
}
