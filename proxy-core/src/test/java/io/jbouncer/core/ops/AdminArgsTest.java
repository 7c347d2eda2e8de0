package io.jbouncer.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminArgsTest {

    @Test
    void optionsMayComeAnywhere() {
        AdminArgs args = AdminArgs.parse(List.of("db", "add", "--no-reload", "p", "host=h", "-c", "/etc/x.ini",
                "port=1"), null);

        assertEquals(Path.of("/etc/x.ini"), args.config());
        assertFalse(args.reload());
        assertEquals("p", args.name());
        assertEquals("host=h port=1", args.connectionString());
    }

    @Test
    void configComesFromTheEnvironmentElseTheWorkingDirectory() {
        assertEquals(Path.of("/srv/p.ini"), AdminArgs.parse(List.of("db", "remove", "p"), "/srv/p.ini").config());
        assertEquals(Path.of("pgbouncer.ini"), AdminArgs.parse(List.of("db", "remove", "p"), null).config());
        assertEquals(Path.of("a.ini"), AdminArgs.parse(List.of("--config=a.ini", "db", "remove", "p"), "b").config());
    }

    @Test
    void valuesWithBlanksOrQuotesAreSingleQuoted() {
        AdminArgs args = AdminArgs.parse(List.of("db", "add", "p", "connect_query=select 'x'", "host=h"), null);

        assertEquals("connect_query='select ''x''' host=h", args.connectionString());
    }

    @Test
    void verifierKindIsForUserAddOnly() {
        assertEquals(PasswordSecrets.Kind.SCRAM, AdminArgs.parse(List.of("user", "add", "u", "--scram"), null).kind());
        assertThrows(IllegalArgumentException.class, () -> AdminArgs.parse(List.of("user", "remove", "u", "--md5"),
                null));
        assertThrows(IllegalArgumentException.class, () -> AdminArgs.parse(List.of("user", "add", "u", "extra"),
                null));
    }
}
