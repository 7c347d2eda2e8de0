package io.jbouncer.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.config.AuthFile;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.protocol.auth.Md5Auth;
import io.jbouncer.protocol.auth.StoredSecret;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AdminTool} in-process on files in a temporary directory, without a running jbouncer. */
class AdminToolTest {

    private static final String INI = """
            [databases]
            ; tenants below
            app = host=127.0.0.1 dbname=app

            [pgbouncer]
            auth_type = md5
            auth_file = %s
            """;

    @TempDir
    Path dir;
    private Path ini;
    private Path userlist;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void writeConfig() throws Exception {
        userlist = dir.resolve("userlist.txt");
        ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, INI.formatted(userlist));
        Files.writeString(userlist, "; users\n\"postgres\" \"md5" + "0".repeat(32) + "\"\n");
    }

    private int run(String password, String... args) {
        out.reset();
        err.reset();
        AdminTool tool = new AdminTool(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), user -> password);
        List<String> argv = new java.util.ArrayList<>(List.of("-c", ini.toString(), "--no-reload"));
        argv.addAll(List.of(args));
        return tool.run(argv, null);
    }

    @Test
    void dbAddIsIdempotentAndBacksUpEveryChange() throws Exception {
        assertEquals(0, run(null, "db", "add", "proj_abc123", "host=postgres", "port=5432", "dbname=proj_abc123",
                "pool_size=5", "reserve_pool=2"));
        assertTrue(out.toString().startsWith("added database proj_abc123"), out.toString());
        assertEquals(0, run(null, "db", "add", "proj_abc123", "host=postgres", "port=5432", "dbname=proj_abc123",
                "pool_size=5", "reserve_pool=2"));
        assertTrue(out.toString().contains("already present"), out.toString());

        assertEquals(5, ConfigLoader.load(ini).databases().get("proj_abc123").poolSize());
        assertEquals(1, Backups.list(ini).size());
        assertEquals(INI.formatted(userlist), Files.readString(Backups.list(ini).get(0)));
    }

    @Test
    void anInvalidResultLeavesTheFileUntouchedWithoutBackup() throws Exception {
        String before = Files.readString(ini);

        assertEquals(2, run(null, "db", "add", "bad", "host=h", "colour=blue"));

        assertTrue(err.toString().contains(ini.toRealPath() + ":4: bad: unrecognized connection parameter: colour"),
                err.toString());
        assertEquals(before, Files.readString(ini));
        assertEquals(List.of(), Backups.list(ini));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void onlyTheNewestBackupsAreKept() throws Exception {
        for (int i = 0; i < Backups.KEEP + 3; i++) {
            assertEquals(0, run(null, "db", "add", "d" + i, "host=h"), err.toString());
        }

        List<Path> backups = Backups.list(ini);
        assertEquals(Backups.KEEP, backups.size());
        assertTrue(Files.readString(backups.get(Backups.KEEP - 1)).contains("d11 = host=h\n"));
        assertEquals(Backups.KEEP + 4, ConfigLoader.load(ini).databases().size());
    }

    @Test
    void userAddStoresAnMd5VerifierByDefaultAndIsIdempotent() throws Exception {
        assertEquals(0, run("s3cret", "user", "add", "proj_abc123_authenticator"));
        assertEquals(0, run("s3cret", "user", "add", "proj_abc123_authenticator"));
        assertTrue(out.toString().contains("already present"), out.toString());

        assertEquals(Md5Auth.passwordHash("proj_abc123_authenticator", "s3cret"),
                AuthFile.load(userlist).get("proj_abc123_authenticator"));
        assertEquals(1, Backups.list(userlist).size());
    }

    @Test
    void userAddScramStoresAVerifierOfThePassword() throws Exception {
        assertEquals(0, run("s3cret", "user", "add", "--scram", "we\"ird"));
        String stored = AuthFile.load(userlist).get("we\"ird");

        assertTrue(stored.startsWith("SCRAM-SHA-256$4096:"), stored);
        assertTrue(StoredSecret.parse(stored) instanceof StoredSecret.Scram);
        assertTrue(PasswordSecrets.matches(stored, PasswordSecrets.Kind.SCRAM, "we\"ird", "s3cret"));
        assertEquals(0, run("s3cret", "user", "add", "--scram", "we\"ird"));
        assertTrue(out.toString().contains("already present"), out.toString());
        assertEquals(0, run("other", "user", "add", "--scram", "we\"ird"));
        assertTrue(out.toString().startsWith("replaced user"), out.toString());
    }

    @Test
    void removingTwiceSucceedsBothTimes() throws Exception {
        assertEquals(0, run(null, "user", "remove", "postgres"));
        assertTrue(out.toString().startsWith("removed user postgres"), out.toString());
        assertEquals(0, run(null, "user", "remove", "postgres"));
        assertTrue(out.toString().contains("not present"), out.toString());
        assertEquals("; users\n", Files.readString(userlist));
        assertEquals(0, run(null, "db", "remove", "app"));
        assertEquals(0, run(null, "db", "remove", "app"));
        assertTrue(ConfigLoader.load(ini).databases().isEmpty());
    }

    @Test
    void aBrokenAuthFileIsNotEditedFurther() throws Exception {
        Files.writeString(userlist, "\"postgres\" \"md5x\"\nbroken line\n");

        assertEquals(2, run("pw", "user", "add", "new_user"));

        assertTrue(err.toString().contains(userlist.toRealPath() + ":2: broken auth file"), err.toString());
        assertEquals("\"postgres\" \"md5x\"\nbroken line\n", Files.readString(userlist));
    }

    @Test
    void usageErrorsExitWithOne() {
        assertEquals(1, run(null, "db", "add", "x"));
        assertEquals(1, run(null, "db", "add", "x", "novalue"));
        assertEquals(1, run(null, "table", "add", "x"));
        assertEquals(1, run(null, "user", "add", "x"));
        assertTrue(err.toString().contains("password"), err.toString());
        assertEquals(1, run(null, "--bogus", "db", "remove", "x"));
    }

    @Test
    void reloadWithoutPidfileIsReportedNotFailed() {
        AdminTool tool = new AdminTool(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), user -> null);

        assertEquals(0, tool.run(List.of("db", "add", "x", "host=h"), ini.toString()));
        assertTrue(out.toString().contains("no pidfile configured"), out.toString());
    }
}
