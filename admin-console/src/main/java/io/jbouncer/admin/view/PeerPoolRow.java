package io.jbouncer.admin.view;

/** One peer pool for SHOW PEER_POOLS. */
public record PeerPoolRow(int peerId, int clActiveCancelReq, int clWaitingCancelReq, int svActiveCancel,
                          int svLogin) {
}
