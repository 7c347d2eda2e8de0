package io.jbouncer.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.core.sql.SqlTokens.Kind;
import io.jbouncer.core.sql.SqlTokens.Token;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlTokensTest {

    private static List<String> sources(List<Token> tokens) {
        return tokens.stream().map(Token::source).toList();
    }

    @Test
    void statementsAreSplitAtSemicolonsOutsideQuotesAndCommentsAndEmptyOnesLeftOut() {
        SqlTokens lexed = SqlTokens.of(";; SELECT ';' -- ;\n; /* ; */ SET a = $x$;$x$ ;");
        List<List<Token>> statements = lexed.statements();
        assertEquals(2, statements.size(), statements::toString);
        assertEquals(List.of("SELECT", "';'"), sources(statements.get(0)));
        assertEquals(List.of("SET", "a", "=", "$x$;$x$"), sources(statements.get(1)));
        assertFalse(lexed.ambiguous());
    }

    @Test
    void wordsFoldOnlyAsciiLettersAsPostgresqlDoesInUtf8() {
        Token word = SqlTokens.of("ÄrgerNIS").tokens().get(0);
        assertEquals(Kind.WORD, word.kind());
        assertEquals("Ärgernis", word.value());
        assertEquals("ÄrgerNIS", word.source(), "the source text stays the client's");
    }

    @Test
    void quotedIdentifiersAreUnescapedAndKeepTheirCase() {
        Token name = SqlTokens.of("\"My \"\"Name\"\"\"").tokens().get(0);
        assertEquals(Kind.QUOTED_IDENT, name.kind());
        assertEquals("My \"Name\"", name.value());
    }

    @Test
    void identifiersAreTruncatedTo63BytesWithoutSplittingACharacter() {
        assertEquals("n".repeat(63), SqlTokens.of("N".repeat(70)).tokens().get(0).value());
        // 31 two-byte characters are 62 bytes; the 32nd would straddle the limit and is dropped whole
        assertEquals("é".repeat(31), SqlTokens.of("\"" + "é".repeat(40) + "\"").tokens().get(0).value());
        assertEquals("x".repeat(63), SqlTokens.of("\"" + "x".repeat(63) + "\"").tokens().get(0).value());
        String source = "'" + "s".repeat(70) + "'";
        assertEquals(source, SqlTokens.of(source).tokens().get(0).value(), "a string is no identifier");
    }

    @Test
    void aUnicodeEscapedIdentifierKeepsItsSource() {
        Token name = SqlTokens.of("U&\"d\\0061t\"").tokens().get(0);
        assertEquals(Kind.QUOTED_IDENT, name.kind());
        assertEquals("U&\"d\\0061t\"", name.value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 'open", "SELECT \"open", "SELECT 1 /* open /* nested */", "SELECT $q$ open",
        "SELECT E'open\\'"})
    void anOpenQuoteOrCommentIsUnterminatedAndAmbiguous(String sql) {
        SqlTokens lexed = SqlTokens.of(sql);
        assertTrue(lexed.unterminated(), sql);
        assertTrue(lexed.ambiguous(), sql);
    }

    @Test
    void aBackslashInAPlainStringIsAmbiguousButTerminated() {
        SqlTokens lexed = SqlTokens.of("SELECT 'a\\'; SELECT 2");
        assertTrue(lexed.ambiguous());
        assertFalse(lexed.unterminated());
        assertEquals(2, lexed.statements().size(), "split as with standard_conforming_strings = on");
    }
}
