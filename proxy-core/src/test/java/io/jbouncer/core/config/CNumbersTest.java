package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CNumbersTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0", "42|42", "+7|7", "-5|-5", "0x10|16", "0XfF|255", "010|8", "0777|511", "' 12'|12",
        "4294967297|1", "99999999999999999999|-1", "-99999999999999999999|0", "2147483648|-2147483648"})
    void parseIntIsStrtolBaseZeroStoredInCInt(String text, int expected) {
        assertEquals(expected, CNumbers.parseInt(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "12x", "08", "0x", "0xg", "1.5", "--1", "12 ", "٣"})
    void parseIntRejectsWhatStrtolDoesNotConsumeWhole(String text) {
        assertThrows(NumberFormatException.class, () -> CNumbers.parseInt(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2147483647|2147483647", "-1|4294967295", "0xFFFFFFFF|4294967295", "4294967296|0",
        "99999999999999999999|4294967295"})
    void parseUnsignedIntIsStrtoulStoredInUnsignedInt(String text, long expected) {
        assertEquals(expected, CNumbers.parseUnsignedInt(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "42|42", "  42abc|42", "abc|0", "-3|-3", "0x10|0", "010|10", "''|0", "99999999999999999999|-1"})
    void atoiStopsAtJunk(String text, int expected) {
        assertEquals(expected, CNumbers.atoi(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1|1", "65535|65535", "0|0", "65536|0", "-1|0", "1x|0", "''|0", "' 7'|7"})
    void strtonumReturnsZeroOutsideRangeOrOnJunk(String text, int expected) {
        assertEquals(expected, CNumbers.strtonum(text, 1, 0xFFFF));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0", "5|5000000", "0.5|500000", ".25|250000", "1.|1000000", "1e2|100000000", "1E-3|1000",
        "0x10|16000000", "0x1p-1|500000", "1.0000001|1000000", "-0|0", "' 3'|3000000", "+2|2000000"})
    void parseTimeIsStrtodInWholeMicroseconds(String text, long micros) {
        assertEquals(micros, CNumbers.parseTimeMicros(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "5s", "1e", "abc", "inf", "nan", "1,5", "1e300", "0x"})
    void parseTimeRejectsNegativeUnitsAndGarbage(String text) {
        assertThrows(NumberFormatException.class, () -> CNumbers.parseTimeMicros(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0", "3600|3600", "0.5|0.5", "15|15", "120|120", "100000|100000", "1000000|1e+06",
        "1234567|1.23457e+06", "0.0001|0.0001", "0.00001|1e-05", "2.5|2.5", "0.000001|1e-06",
        "999999.5|1e+06", "123456.7|123457"})
    void formatGMatchesPrintf(double value, String expected) {
        assertEquals(expected, CNumbers.formatG(value));
    }
}
