package io.jbouncer.admin;

/**
 * What a console user may do (PgBouncer usage.md). proxy-core decides the role at login: admin_users and the
 * same-UID {@code pgbouncer} user are {@link #ADMIN}; stats_users (and every console user under
 * {@code auth_type=any} that is not an admin) are {@link #STATS}; others never reach the console.
 */
public enum ConsoleRole {
    /** Every command. */
    ADMIN,
    /** Every SHOW except FDS, and the fake SET/SHOW parameters. */
    STATS
}
