package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.JBouncerProcess;
import io.jbouncer.it.support.Poll;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;

/**
 * A cancel meant for one client never reaches the server after it was handed to another (issue 20): with
 * pool_size 1 in transaction mode, client A's queries get a burst of concurrent cancel requests while client B
 * queues behind it for the same server. Cancels that lose the race with A's ReadyForQuery would, without PgBouncer's
 * {@code being_canceled} hold, land on B's query. Repeated many times; B must never see 57014.
 *
 * <p>Each round A runs a long query, which the burst must cancel (proof that the cancels reach PostgreSQL at all),
 * then a short one, which ends while cancels are still in flight: the race. A short query alone is not enough proof
 * on a loaded machine: a cancel's path (a new connection, PostgreSQL's postmaster forking a process to signal the
 * backend) can take longer than the whole query every time, and then no cancel ever lands.
 */
class CancelBurstIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    private static final int ROUNDS = 25;
    private static final int SENDERS = 20;
    /** Long enough that a cancel sent while it runs lands in it, however loaded the machine; cancelled at once. */
    private static final String LONG_QUERY = "SELECT pg_sleep(10)";
    private static final String SHORT_QUERY = "SELECT pg_sleep(0.005)";
    private static final String QUERY_CANCELED = "57014";

    @Test
    void burstOfCancelsForOneClientNeverCancelsTheClientQueuedBehindIt() throws Exception {
        TestRole role = TestRole.create(pg, "cancel_burst_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("pool_mode", "transaction")
                .set("admin_users", role.name())
                .set("max_client_conn", "500")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("one", pg.connstring(PostgresCluster.DB) + " pool_size=1")
                .user(role.name(), role.password());
        ExecutorService threads = Executors.newFixedThreadPool(SENDERS + 2);
        try (JBouncerProcess bouncer = BOUNCERS.start(config);
             Connection a = role.connect(config.port(), "one");
             Connection b = role.connect(config.port(), "one")) {
            AtomicInteger aCancelled = new AtomicInteger();
            List<String> bFailures = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                Future<?> aQueries = threads.submit(() -> runQueries(a, List.of(LONG_QUERY, SHORT_QUERY),
                        aCancelled, null));
                Future<?> bQueries = threads.submit(() -> runQueries(b, List.of(SHORT_QUERY, SHORT_QUERY, SHORT_QUERY),
                        new AtomicInteger(), bFailures));
                List<Future<?>> cancels = new ArrayList<>();
                for (int i = 0; i < SENDERS; i++) {
                    // Each sender keeps cancelling until A's queries are over: whichever of A and B gets the one
                    // server first, cancels are still arriving while A's query runs and as it ends.
                    cancels.add(threads.submit(() -> {
                        do {
                            a.unwrap(PGConnection.class).cancelQuery();
                        } while (!aQueries.isDone());
                        return null;
                    }));
                }
                for (Future<?> cancel : cancels) {
                    cancel.get(30, TimeUnit.SECONDS);
                }
                aQueries.get(30, TimeUnit.SECONDS);
                bQueries.get(30, TimeUnit.SECONDS);
            }

            assertEquals(List.of(), bFailures, "B's queries were cancelled by cancels meant for A");
            assertTrue(aCancelled.get() >= ROUNDS, () -> "cancels did not reach A's long queries (" + aCancelled
                    + " of " + ROUNDS + " cancelled); log:\n" + bouncer.log());
            try (Connection console = AdminConsole.connect(config.port(), role.name(), role.password())) {
                assertTrue(Poll.until(Duration.ofSeconds(15), () -> cancelColumnsAtRest(console)),
                        "cancel columns never went back to 0");
            }
            assertTrue(b.isValid(5));
        } finally {
            threads.shutdownNow();
        }
    }

    /** Runs the queries; a 57014 is counted, any other error (or any error with a sink) recorded. */
    private static Void runQueries(Connection c, List<String> queries, AtomicInteger cancelled, List<String> failures) {
        for (String query : queries) {
            try (Statement st = c.createStatement()) {
                st.execute(query);
            } catch (SQLException e) {
                if (failures != null) {
                    synchronized (failures) {
                        failures.add(e.getSQLState() + " " + e.getMessage());
                    }
                } else if (QUERY_CANCELED.equals(e.getSQLState())) {
                    cancelled.incrementAndGet();
                } else {
                    throw new IllegalStateException(e);
                }
            }
        }
        return null;
    }

    private static boolean cancelColumnsAtRest(Connection console) {
        try {
            Map<String, String> row = AdminConsole.row(console, "SHOW POOLS", "database", "one");
            return row.get("cl_active_cancel_req").equals("0") && row.get("sv_active_cancel").equals("0")
                    && row.get("sv_being_canceled").equals("0");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
