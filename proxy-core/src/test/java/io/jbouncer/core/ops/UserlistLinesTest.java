package io.jbouncer.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UserlistLinesTest {

    private static final String FILE = "; managed by hand\n\"postgres\" \"md5aaa\"\n\n\"app\" \"secret\" trailing\n";

    @Test
    void appendsANewUserKeepingTheRest() {
        Edit edit = UserlistLines.put(FILE, "proj_authenticator", "md5bbb");

        assertEquals(Edit.Outcome.ADDED, edit.outcome());
        assertEquals(FILE + "\"proj_authenticator\" \"md5bbb\"\n", edit.text());
    }

    @Test
    void quotesInUserNamesAreDoubledAndFoundAgain() {
        String added = UserlistLines.put("", "we\"ird", "pw\"x").text();

        assertEquals("\"we\"\"ird\" \"pw\"\"x\"\n", added);
        assertEquals("pw\"x", UserlistLines.secretOf(added, "we\"ird"));
        assertEquals(Edit.Outcome.ALREADY_PRESENT, UserlistLines.put(added, "we\"ird", "pw\"x").outcome());
        assertEquals("", UserlistLines.remove(added, "we\"ird").text());
    }

    @Test
    void anotherSecretReplacesTheLineInPlace() {
        Edit edit = UserlistLines.put(FILE, "postgres", "md5ccc");

        assertEquals(Edit.Outcome.REPLACED, edit.outcome());
        assertEquals(FILE.replace("\"postgres\" \"md5aaa\"", "\"postgres\" \"md5ccc\""), edit.text());
    }

    @Test
    void removingAnAbsentUserChangesNothing() {
        Edit edit = UserlistLines.remove(FILE, "nobody");

        assertEquals(Edit.Outcome.NOT_PRESENT, edit.outcome());
        assertEquals(FILE, edit.text());
        assertNull(UserlistLines.secretOf(FILE, "nobody"));
    }

    @Test
    void nonAsciiNamesRoundTripAsUtf8() {
        String added = UserlistLines.put("", "j\u00fcrgen", "s").text();

        assertEquals("\"j\u00c3\u00bcrgen\" \"s\"\n", added);
        assertEquals("s", UserlistLines.secretOf(added, "j\u00fcrgen"));
    }

    @Test
    void lineBreaksAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> UserlistLines.entryLine("a\nb", "s"));
        assertThrows(IllegalArgumentException.class, () -> UserlistLines.entryLine("", "s"));
    }
}
