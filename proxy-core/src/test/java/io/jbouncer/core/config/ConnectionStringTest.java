package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionStringTest {

    private static List<Map.Entry<String, String>> pairs(String text) {
        return ConnectionString.pairs(text, "syntax error");
    }

    @Test
    void splitsOnSpacesAndAllowsBlanksAroundEquals() {
        assertEquals(List.of(Map.entry("host", "h"), Map.entry("port", "1"), Map.entry("dbname", "d")),
                pairs("  host=h   port = 1 dbname= d  "));
    }

    @Test
    void singleQuotedValueWithDoubledQuote() {
        assertEquals(List.of(Map.entry("password", "it's a secret"), Map.entry("user", "u")),
                pairs("password='it''s a secret' user=u"));
    }

    @Test
    void theCharacterAfterAClosingQuoteIsSwallowed() {
        assertEquals(List.of(Map.entry("host", "a"), Map.entry("port", "1")), pairs("host='a'xport=1"));
    }

    @Test
    void tabIsNotASeparator() {
        assertEquals(List.of(Map.entry("host", "a\tport=1")), pairs("host=a\tport=1"));
    }

    @Test
    void emptyStringHasNoPairs() {
        assertEquals(List.of(), pairs("   "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"host=", "host=''", "host", "=x", "host='unterminated", "a=1 b", "host port=1"})
    void syntaxErrors(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pairs(text));
        assertEquals("syntax error", e.getMessage());
    }
}
