package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HbaFileTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 5000);
    private static final InetSocketAddress LAN = new InetSocketAddress("192.168.7.9", 5000);
    private static final InetSocketAddress V6 = new InetSocketAddress("::1", 5000);

    @TempDir
    Path dir;

    private HbaRules load(String text) throws Exception {
        Path file = dir.resolve("hba.conf");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return HbaFile.load(file);
    }

    private static HbaRules.Method method(HbaRules rules, InetSocketAddress remote, String database, String user) {
        return method(rules, remote, false, database, user);
    }

    private static HbaRules.Method method(HbaRules rules, InetSocketAddress remote, boolean tls, String database,
            String user) {
        HbaRules.Rule rule = rules.ruleFor(remote, tls, database, user, false);
        return rule == null ? null : rule.method();
    }

    /** map= is read for peer and cert lines; PgBouncer refuses it elsewhere, as here. */
    @Test
    void mapOptionBelongsToPeerAndCertLines() throws Exception {
        HbaRules rules = load("local all all peer map=os\nhostssl all all 0.0.0.0/0 cert map=certs\n");

        assertEquals("os", rules.rules().get(0).map());
        assertEquals("certs", rules.rules().get(1).map());
        assertThrows(ConfigException.class, () -> load("host all all 0.0.0.0/0 md5 map=os\n"));
    }

    /** The rules of a configuration with auth_type = hba, this hba file and this auth_ident_file. */
    private HbaRules withIdentFile(String hba, String ident) throws Exception {
        Path identFile = Files.writeString(dir.resolve("ident.conf"), ident);
        Path hbaFile = Files.writeString(dir.resolve("hba.conf"), hba);
        Path ini = Files.writeString(dir.resolve("pgbouncer.ini"), "[pgbouncer]\nauth_type = hba\nauth_hba_file = "
                + hbaFile + "\nauth_ident_file = " + identFile + "\n");
        return HbaFile.forConfig(ConfigLoader.load(ini));
    }

    @Test
    void identMapNamesWhoMayLogInAsWhom() throws Exception {
        HbaRules rules = withIdentFile("local all all peer map=os\nlocal all all peer map=any\n",
                "# map system user\nos  root  alice\nos root bob\nany carol all\n");

        HbaRules.Rule os = rules.rules().get(0);
        assertTrue(rules.namesMatch(os, "root", "alice"));
        assertTrue(rules.namesMatch(os, "root", "bob"));
        assertFalse(rules.namesMatch(os, "root", "carol"));
        assertFalse(rules.namesMatch(os, "alice", "alice"), "with a map, the same name is not enough");
        assertTrue(rules.namesMatch(rules.rules().get(1), "carol", "anyone"), "all maps to every user");
    }

    @Test
    void identFileWithARegularExpressionIsRefused() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> withIdentFile("local all all peer map=os\n", "os /^(.*)$ \\1\n"));
        assertTrue(e.getMessage().contains("ident.conf:1: auth_ident_file: regular expressions are not supported"),
                e.getMessage());
    }

    /** hostssl matches TCP logins that completed a TLS handshake, hostnossl the others; cert needs TLS (issue 13). */
    @Test
    void tlsLinesMatchByHandshake() throws Exception {
        HbaRules rules = load("""
                hostssl   all all 0.0.0.0/0 cert
                hostnossl all all 0.0.0.0/0 md5
                local     all all           reject
                """);

        assertEquals(HbaRules.Method.CERT, method(rules, LOOPBACK, true, "app", "alice"));
        assertEquals(HbaRules.Method.MD5, method(rules, LOOPBACK, false, "app", "alice"));
        assertEquals(HbaRules.Method.REJECT, method(rules, null, false, "app", "alice"), "the Unix socket is local");
    }

    @Test
    void firstMatchingRuleWinsByTypeDatabaseUserAndAddress() throws Exception {
        HbaRules rules = load("""
                # comment line

                local     all        all                         peer
                host      app        alice       127.0.0.1/32    md5     # trailing comment
                host      app, "all" bob         192.168.0.0 255.255.0.0  scram-sha-256
                hostnossl sameuser   all         0.0.0.0/0       password
                host      all        all         ::1/128         trust
                host      all        all         all             reject
                """);

        assertEquals(HbaRules.Method.PEER, method(rules, null, "app", "alice"));
        assertEquals(HbaRules.Method.MD5, method(rules, LOOPBACK, "app", "alice"));
        assertEquals(HbaRules.Method.REJECT, method(rules, LAN, "app", "alice"));
        assertEquals(HbaRules.Method.SCRAM_SHA_256, method(rules, LAN, "app", "bob"));
        assertEquals(HbaRules.Method.SCRAM_SHA_256, method(rules, LAN, "all", "bob"), "a quoted keyword is a name");
        assertEquals(HbaRules.Method.PASSWORD, method(rules, LOOPBACK, "carol", "carol"));
        assertEquals(HbaRules.Method.TRUST, method(rules, V6, "other", "dave"));
        assertEquals(HbaRules.Method.REJECT, method(rules, LOOPBACK, "other", "dave"));
    }

    @Test
    void noMatchingRuleGivesNoMethod() throws Exception {
        HbaRules rules = load("host app alice 10.0.0.0/8 trust\n");

        assertNull(method(rules, LOOPBACK, "app", "alice"));
        assertNull(method(rules, null, "app", "alice"));
    }

    @Test
    void atFileListsNamesRelativeToTheHbaFile() throws Exception {
        Files.writeString(dir.resolve("admins.txt"), "alice, bob # the admins\ncarol\n", StandardCharsets.UTF_8);
        HbaRules rules = load("host all @admins.txt 0.0.0.0/0 trust\nhost replication all 0.0.0.0/0 md5\n");

        assertEquals(HbaRules.Method.TRUST, method(rules, LOOPBACK, "app", "carol"));
        assertNull(method(rules, LOOPBACK, "app", "dave"), "replication matches no ordinary connection");
    }

    /** As in PostgreSQL: a physical replication connection matches only replication lines, never all. */
    @Test
    void physicalReplicationMatchesOnlyReplicationLines() throws Exception {
        HbaRules rules = load("host all all 0.0.0.0/0 reject\nhost replication all 0.0.0.0/0 md5\n");

        assertEquals(HbaRules.Method.MD5, rules.ruleFor(LOOPBACK, false, "app", "carol", true).method());
        assertEquals(HbaRules.Method.REJECT, rules.ruleFor(LOOPBACK, false, "app", "carol", false).method(),
                "a logical replication connection matches by database name, like an ordinary one");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "host all all 0.0.0.0/0 ldap ldaptls=1    | 1: auth_hba_file: TLS to the LDAP server (ldaps, ldaptls) is not supported yet",
        "host all all 0.0.0.0/0 ldap ldapport=1   | 1: auth_hba_file: LDAP authentication needs ldapserver or ldapurl",
        "host all all 0.0.0.0/0 md5 map=omicron    | 1: auth_hba_file: authentication options are not supported",
        "host samerole all 0.0.0.0/0 md5          | 1: auth_hba_file: samerole is not supported",
        "host all +admins 0.0.0.0/0 md5           | 1: auth_hba_file: group membership (+admins) is not supported",
        "host all all db.example.com md5          | 1: auth_hba_file: host names are not supported",
        "host all all 10.0.0.0/33 md5             | 1: auth_hba_file: invalid CIDR mask: 33",
        "host all all 10.0.0.0 255.0.255.0 md5    | 1: auth_hba_file: invalid netmask",
        "host all all 0.0.0.0/0 gss               | 1: auth_hba_file: unsupported authentication method: gss",
        "hostgssenc all all 0.0.0.0/0 md5         | 1: auth_hba_file: unsupported connection type: hostgssenc",
        "host all all 0.0.0.0/0                   | 1: auth_hba_file: end-of-line before authentication method",
        "host \"all all 0.0.0.0/0 md5             | 1: auth_hba_file: unterminated quoted string",
    })
    void lineJBouncerCannotApplyRefusesTheFileNamingIt(String line, String message) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load(line + "\n"));

        assertTrue(e.getMessage().contains("hba.conf:" + message), e.getMessage());
    }

    @Test
    void unreadableFileAndMissingIncludeAreErrors() throws Exception {
        assertThrows(ConfigException.class, () -> HbaFile.load(dir.resolve("missing.conf")));
        assertThrows(ConfigException.class, () -> load("host all @nobody.txt 0.0.0.0/0 md5\n"));
    }
}
