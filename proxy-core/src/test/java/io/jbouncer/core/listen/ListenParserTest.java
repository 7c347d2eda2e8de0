package io.jbouncer.core.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ListenParserTest {

    @Test
    void foldsUnquotedNamesAndKeepsQuotedOnes() {
        assertEquals(List.of(ListenCommand.listen("orders")), ListenParser.parse("LISTEN Orders"));
        assertEquals(List.of(ListenCommand.listen("Orders")), ListenParser.parse("listen \"Orders\";"));
        assertEquals(List.of(ListenCommand.listen("a\"b c")), ListenParser.parse("Listen \"a\"\"b c\""));
        assertEquals(List.of(ListenCommand.unlisten("x_1$")), ListenParser.parse("  unlisten X_1$ ; "));
        assertEquals(List.of(ListenCommand.unlistenAll()), ListenParser.parse("UNLISTEN *"));
    }

    @Test
    void readsThroughCommentsAndFindsEveryStatement() {
        assertEquals(List.of(ListenCommand.listen("a"), ListenCommand.unlisten("b"), ListenCommand.listen("c")),
                ListenParser.parse("""
                        -- LISTEN nope
                        /* outer /* nested LISTEN nope */ still comment; */ LISTEN /* between */ a;
                        SELECT 'LISTEN nope; x', E'it\\'s; LISTEN nope', $tag$ LISTEN nope; $tag$;
                        UNLISTEN b; BEGIN; LISTEN"c"; COMMIT"""));
    }

    @Test
    void truncatesLongNamesAsPostgresql() {
        String longName = "n".repeat(70);
        assertEquals(List.of(ListenCommand.listen("n".repeat(63))), ListenParser.parse("LISTEN " + longName));
        // 31 two-byte characters are 62 bytes; the 32nd would straddle the 63-byte limit and is dropped whole
        String wide = "é".repeat(40);
        assertEquals(List.of(ListenCommand.listen("é".repeat(31))), ListenParser.parse("LISTEN \"" + wide + "\""));
    }

    @Test
    void foldsOnlyAsciiLettersAsPostgresqlInUtf8() {
        assertEquals(List.of(ListenCommand.listen("Ärger")), ListenParser.parse("LISTEN ÄRGER"));
    }

    @Test
    void aTextPostgresqlRefusesWholeSubscribesNothing() {
        assertEquals(List.of(), ListenParser.parse("LISTEN a; SELECT 'unterminated"));
        assertEquals(List.of(), ListenParser.parse("LISTEN a; /* open comment"));
    }

    @Test
    void byteCheckFindsTheWordInAnyCaseWithinItsRangeOnly() {
        ByteBuf bytes = Unpooled.copiedBuffer("xxSELECT 1; LiStEn a", StandardCharsets.UTF_8);
        try {
            assertTrue(ListenParser.mentionsListen(bytes, 2, bytes.readableBytes() - 2));
            assertFalse(ListenParser.mentionsListen(bytes, 2, bytes.readableBytes() - 5), "cut before the n");
            assertFalse(ListenParser.mentionsListen(bytes, 0, 10));
        } finally {
            bytes.release();
        }
    }

    @Test
    void byteCheckLooksPastEveryLetterLThatStartsNoListen() {
        ByteBuf bytes = Unpooled.copiedBuffer("SELECT 'lé', ll, l FROM all_lists; LISTEN", StandardCharsets.UTF_8);
        try {
            assertTrue(ListenParser.mentionsListen(bytes, 0, bytes.readableBytes()));
            assertFalse(ListenParser.mentionsListen(bytes, 0, bytes.readableBytes() - 1), "cut before the N");
        } finally {
            bytes.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "LISTEN", "LISTEN a b", "LISTEN *", "LISTEN \"\"", "NOTIFY listen",
            "SELECT pg_notify('listen', 'x')", "LISTEN 'a'", "LISTEN a.b", "relisten a", "LISTEN \"a"})
    void ignoresWhatIsNoListenStatement(String sql) {
        assertEquals(List.of(), ListenParser.parse(sql));
    }
}
