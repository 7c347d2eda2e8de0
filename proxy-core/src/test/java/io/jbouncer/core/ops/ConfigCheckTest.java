package io.jbouncer.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void aGoodConfigHasNoProblems() throws Exception {
        Path users = write("userlist.txt", "\"u\" \"md5" + "1".repeat(32) + "\"\n");
        Path ini = write("pgbouncer.ini", "[databases]\napp = host=h\n[pgbouncer]\nauth_file = " + users + "\n");

        assertEquals(List.of(), ConfigCheck.check(ini));
    }

    @Test
    void theFirstLoadErrorIsReportedWithFileAndLine() throws Exception {
        Path ini = write("pgbouncer.ini", "[databases]\napp = host=h\n[pgbouncer]\nlisten_port = x\nbogus = 1\n");

        assertEquals(List.of(ini + ":4: listen_port: invalid value \"x\" for parameter listen_port in configuration ("
                + ini + ":4); expected an integer (strtol base 0: decimal, 0x hexadecimal or 0-prefixed octal)"),
                ConfigCheck.check(ini));
    }

    @Test
    void aBrokenAuthFileIsReportedWithItsLine() throws Exception {
        Path users = write("userlist.txt", "; c\n\"a\" \"b\"\nnot quoted\n\"c\" \"d\"\n");
        Path ini = write("pgbouncer.ini", "[pgbouncer]\nauth_file = " + users + "\n");

        assertEquals(List.of(users + ":3: broken auth file"), ConfigCheck.check(ini));
    }

    @Test
    void aMissingAuthFileIsReported() throws Exception {
        Path ini = write("pgbouncer.ini", "[pgbouncer]\nauth_file = " + dir.resolve("none.txt") + "\n");

        List<String> problems = ConfigCheck.check(ini);

        assertEquals(1, problems.size());
        assertEquals(true, problems.get(0).startsWith(dir.resolve("none.txt") + ":0: auth_file: could not open"),
                problems.get(0));
    }

    @Test
    void authTypeAnyNeedsAForcedUserInEveryDatabaseIncludingIncludedOnes() throws Exception {
        Path included = write("dbs.ini", "[databases]\nb = host=h\n");
        Path ini = write("pgbouncer.ini", "[databases]\na = host=h user=u\n%include " + included
                + "\n[pgbouncer]\nauth_type = any\nauth_file = /nonexistent\n");

        assertEquals(List.of(included + ":2: b: auth_type=any needs a forced user= for every database; logins to it"
                + " fail with \"bouncer config error\""), ConfigCheck.check(ini));
    }

    /** Values jbouncer does not support yet are reported where the file sets them, included files too. */
    @Test
    void unsupportedValuesAreReportedAtTheirLines() throws Exception {
        Path included = write("tls.ini", "client_tls_ecdhcurve = secp384r1\n");
        Path ini = write("pgbouncer.ini", "[databases]\nmulti = host=a max_db_client_connections=4\n[pgbouncer]\n"
                + "auth_type = pam\n%include " + included + "\n[users]\nu = max_user_client_connections=3\n");

        assertEquals(List.of(
                ini + ":4: auth_type = pam is not supported by jbouncer yet (PAM login is not implemented (a build"
                        + " option in PgBouncer too))",
                included + ":1: client_tls_ecdhcurve = secp384r1 is not supported by jbouncer yet (jbouncer leaves"
                        + " key-exchange groups and DH parameters to its TLS engine)"),
                ConfigCheck.check(ini));
    }
}
