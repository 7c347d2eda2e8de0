package io.jbouncer.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatabaseLinesTest {

    private static final String FILE = """
            [databases]
            ; Platform database (control plane)
            platform = host=postgres port=5432 dbname=platform pool_size=25

            ; Project databases (dynamically added)
            proj_a = host=postgres dbname=proj_a

            [pgbouncer]
            # keep me
            listen_port = 6432
            """;

    @Test
    void addsAfterTheLastEntryOfTheSectionKeepingCommentsAndLayout() {
        Edit edit = DatabaseLines.put(FILE, "proj_b", "host=postgres dbname=proj_b pool_size=5");

        assertEquals(Edit.Outcome.ADDED, edit.outcome());
        String added = "proj_b = host=postgres dbname=proj_b pool_size=5\n";
        assertEquals(FILE.replace("dbname=proj_a\n", "dbname=proj_a\n" + added), edit.text());
    }

    @Test
    void addingTheSameDefinitionAgainChangesNothing() {
        String once = DatabaseLines.put(FILE, "proj_b", "host=postgres dbname=proj_b").text();

        Edit again = DatabaseLines.put(once, "proj_b", " host=postgres dbname=proj_b ");

        assertEquals(Edit.Outcome.ALREADY_PRESENT, again.outcome());
        assertEquals(once, again.text());
    }

    @Test
    void anotherDefinitionReplacesTheEntryInPlaceAndDropsLaterDuplicates() {
        String twice = FILE.replace("[pgbouncer]", "[databases]\nproj_a = host=old\n\n[pgbouncer]");

        Edit edit = DatabaseLines.put(twice, "proj_a", "host=new");

        assertEquals(Edit.Outcome.REPLACED, edit.outcome());
        assertEquals(FILE.replace("proj_a = host=postgres dbname=proj_a", "proj_a = host=new")
                .replace("[pgbouncer]", "[databases]\n\n[pgbouncer]"), edit.text());
    }

    @Test
    void onlyTheDatabasesSectionIsMatched() {
        String file = "[pgbouncer]\nproj_a = 1\n[databases]\n";

        Edit edit = DatabaseLines.remove(file, "proj_a");

        assertEquals(Edit.Outcome.NOT_PRESENT, edit.outcome());
        assertEquals(file, edit.text());
    }

    @Test
    void removesTheEntryAndNothingElse() {
        Edit edit = DatabaseLines.remove(FILE, "platform");

        assertEquals(Edit.Outcome.REMOVED, edit.outcome());
        assertEquals(FILE.replace("platform = host=postgres port=5432 dbname=platform pool_size=25\n", ""),
                edit.text());
    }

    @Test
    void fileWithoutDatabasesSectionGetsOneAtTheEnd() {
        Edit edit = DatabaseLines.put("[pgbouncer]\nlisten_port = 1", "d", "host=h");

        assertEquals("[pgbouncer]\nlisten_port = 1\n\n[databases]\nd = host=h\n", edit.text());
    }

    @Test
    void emptySectionGetsTheEntryRightAfterItsHeader() {
        assertEquals("[databases]\nd = host=h\n; trailing comment\n[pgbouncer]\n",
                DatabaseLines.put("[databases]\n; trailing comment\n[pgbouncer]\n", "d", "host=h").text());
    }

    @Test
    void namesOutsideTheKeyAlphabetAreSingleQuotedAndMatchedQuoted() {
        String added = DatabaseLines.put("[databases]\n", "my db", "host=h").text();

        assertEquals("[databases]\n'my db' = host=h\n", added);
        assertEquals(Edit.Outcome.REMOVED, DatabaseLines.remove(added, "my db").outcome());
        assertThrows(IllegalArgumentException.class, () -> DatabaseLines.put("", "it's", "host=h"));
    }

    @Test
    void bytesThatAreNotUtf8AndCarriageReturnsSurviveAnEdit() {
        String file = "[databases]\r\n; caf\u00e9 in latin-1: \u00e9\r\na = host=x\r\n";

        Edit edit = DatabaseLines.put(file, "b", "host=y");

        assertEquals(file + "b = host=y\n", edit.text());
    }
}
