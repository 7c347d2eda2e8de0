package io.jbouncer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SaslPrepTest {

    @Test
    void asciiIsReturnedAsIsEvenWithControlCharacters() {
        String ascii = "pen\u0007cil";
        assertSame(ascii, SaslPrep.prepare(ascii));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "non-ASCII spaces become SPACE      | a\u00A0b\u3000c\u2003d | a b c d",
        "zero width space counts as a space | a\u200Bb               | a b",
        "soft hyphen is removed             | I\u00ADX               | IX",
        "variation selector is removed      | a\uFE0Fb\u034Fc        | abc",
        "NFKC of ROMAN NUMERAL NINE         | \u2168                 | IX",
        "NFKC of a ligature                 | \uFB01x                | fix",
        "NFKC composes                      | e\u0301                | \u00E9",
        "RFC 4013 example: SPACE mapping    | I\u00A0X               | I X",
        "Arabic string with digits is fine  | \u0627\u0031\u0628     | \u0627\u0031\u0628",
    })
    void mapsAndNormalizes(String description, String input, String expected) {
        assertEquals(expected, SaslPrep.prepare(input));
    }

    /** Each input has a soft hyphen, which a successful SASLprep would remove, so "unchanged" is observable. */
    @ParameterizedTest
    @ValueSource(strings = {
        "a\u00AD\u0007", // C.2.1 ASCII control
        "a\u00AD\u0085", // C.2.2 non-ASCII control
        "a\u00AD\uE000", // C.3 private use
        "a\u00AD\uFDD0", // C.4 non-character
        "a\u00AD\uFFFF", // C.4 non-character
        "a\u00AD\uD800", // C.5 lone surrogate
        "a\u00AD\uFFFD", // C.6 replacement character
        "a\u00AD\u2FF0", // C.7 ideographic description
        "a\u00AD\u200E", // C.8 left-to-right mark
        "a\u00AD\uDB40\uDC01", // C.9 language tag U+E0001
        "a\u00AD\u0378", // A.1 unassigned
        "\u0627\u00ADa\u0628", // bidi: RandALCat with LCat
        "\u0627\u00AD1", // bidi: RandALCat not last
        "1\u00AD\u0627", // bidi: RandALCat not first
        "\u00AD", // empty after mapping
    })
    void invalidInputIsReturnedUnchanged(String input) {
        assertSame(input, SaslPrep.prepare(input));
    }
}
