package io.jbouncer.admin.view;

/**
 * One pool (database, user) for SHOW POOLS. {@code maxWaitMicros} is how long the oldest waiting client has
 * waited (split into {@code maxwait}/{@code maxwait_us}); {@code poolMode} is the effective mode;
 * {@code loadBalanceHosts} is null unless the database has a host list; {@code svListen} (a jbouncer column, always
 * last) counts the pool's LISTEN connections of transaction mode (docs/transaction-mode.md), 0 or 1.
 */
public record PoolRow(String database, String user, int clActive, int clWaiting, int clActiveCancelReq,
                      int clWaitingCancelReq, int svActive, int svActiveCancel, int svBeingCanceled, int svIdle,
                      int svUsed, int svTested, int svLogin, long maxWaitMicros, String poolMode,
                      String loadBalanceHosts, int svListen) {
}
