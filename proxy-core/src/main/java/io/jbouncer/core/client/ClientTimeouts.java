package io.jbouncer.core.client;

import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.UserDef;
import java.time.Duration;

/**
 * A client's effective timers in nanoseconds, 0 meaning off: the global setting, replaced by the user's
 * {@code [users]} value when that is above 0 (fact sheet 3.2, 5.4).
 */
public record ClientTimeouts(long query, long clientIdle, long idleTransaction, long transaction) {

    public static ClientTimeouts of(Config config, UserDef user) {
        return new ClientTimeouts(
                pick(user == null ? null : user.queryTimeout(), config.queryTimeout()),
                pick(user == null ? null : user.clientIdleTimeout(), config.clientIdleTimeout()),
                pick(user == null ? null : user.idleTransactionTimeout(), config.idleTransactionTimeout()),
                pick(user == null ? null : user.transactionTimeout(), config.transactionTimeout()));
    }

    /** Whether any timer is on: the janitor skips the per-client pass otherwise. */
    public boolean any() {
        return query > 0 || clientIdle > 0 || idleTransaction > 0 || transaction > 0;
    }

    private static long pick(Duration perUser, Duration global) {
        Duration chosen = perUser != null && !perUser.isZero() ? perUser : global;
        return chosen.toNanos();
    }
}
