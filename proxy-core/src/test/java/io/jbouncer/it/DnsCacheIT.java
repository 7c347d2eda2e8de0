package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.it.support.AdminConsole;
import io.jbouncer.it.support.BouncerExtension;
import io.jbouncer.it.support.JBouncerConfig;
import io.jbouncer.it.support.PostgresCluster;
import io.jbouncer.it.support.TestRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * jbouncer's DNS cache (PgBouncer's {@code dns_max_ttl}, {@code dns_nxdomain_ttl}) as the console shows it: a server
 * named by host name is looked up once and listed by SHOW DNS_HOSTS with PgBouncer's address format; a name that does
 * not resolve fails the client and is listed with no addresses; IP literals are never looked up.
 */
class DnsCacheIT {

    @RegisterExtension
    static final BouncerExtension BOUNCERS = new BouncerExtension();
    private static final PostgresCluster pg = PostgresCluster.shared();

    @Test
    void hostNamesAreCachedAndListedByShowDnsHosts() throws Exception {
        TestRole role = TestRole.create(pg, "dns_cache_user");
        JBouncerConfig config = JBouncerConfig.create()
                .set("admin_users", role.name())
                .set("dns_max_ttl", "600")
                .set("dns_nxdomain_ttl", "300")
                .set("server_login_retry", "0")
                .set("query_wait_timeout", "5")
                .set("ignore_startup_parameters", "extra_float_digits")
                .database("named", "host=localhost port=" + pg.port() + " dbname=" + PostgresCluster.DB)
                .database("literal", pg.connstring(PostgresCluster.DB))
                .database("nowhere", "host=no-such-host.invalid port=" + pg.port() + " dbname=" + PostgresCluster.DB)
                .user(role.name(), role.password());
        try (var bouncer = BOUNCERS.start(config)) {
            assertEquals(1, selectOne(role, config, "named"));
            assertEquals(1, selectOne(role, config, "named"));
            assertEquals(1, selectOne(role, config, "literal"));
            SQLException unresolvable = assertThrows(SQLException.class, () -> selectOne(role, config, "nowhere"));
            assertEquals("08P01", unresolvable.getSQLState(), unresolvable::toString);

            try (Connection console = AdminConsole.connect(config.port(), role.name(), role.password())) {
                Map<String, String> localhost = AdminConsole.row(console, "SHOW DNS_HOSTS", "hostname", "localhost");
                assertTrue(localhost.get("addrs").contains("127.0.0.1:0"), localhost::toString);
                long ttl = Long.parseLong(localhost.get("ttl"));
                assertTrue(ttl > 500 && ttl <= 600, () -> "ttl left of dns_max_ttl = 600: " + ttl);

                Map<String, String> nowhere = AdminConsole.row(console, "SHOW DNS_HOSTS", "hostname",
                        "no-such-host.invalid");
                assertEquals("", nowhere.get("addrs"), nowhere::toString);
                long nxTtl = Long.parseLong(nowhere.get("ttl"));
                assertTrue(nxTtl > 200 && nxTtl <= 300, () -> "ttl left of dns_nxdomain_ttl = 300: " + nxTtl);

                assertEquals(2, AdminConsole.rows(console, "SHOW DNS_HOSTS").size(),
                        "only names are listed, the IP literal of 'literal' is not");
                assertEquals(2, AdminConsole.number(console, "SHOW LISTS", "list", "dns_names", "items"));
                assertEquals(0, AdminConsole.number(console, "SHOW LISTS", "list", "dns_queries", "items"));
            }
        }
    }

    private static int selectOne(TestRole role, JBouncerConfig config, String db) throws SQLException {
        try (Connection c = role.connect(config.port(), db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
