package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DataRowTest {

    @Test
    void encodesTextValuesNullsAndEmptyStrings() {
        byte[] expected = WireBytes.of().int16(4)
                .int32(3).text("abc")
                .int32(-1)
                .int32(0)
                .int32(3).text("\u00e9x")
                .message('D');
        assertArrayEquals(expected,
                WireBytes.encoded(out -> DataRow.encode(out, Arrays.asList("abc", null, "", "\u00e9x"))));
    }
}
