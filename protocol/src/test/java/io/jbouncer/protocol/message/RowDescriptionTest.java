package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RowDescriptionTest {

    @Test
    void encodesTextFormatColumnsWithTypeSizes() {
        byte[] expected = WireBytes.of().int16(3)
                .cstring("name").int32(0).int16(0).int32(RowDescription.TEXT).int16(-1).int32(-1).int16(0)
                .cstring("cl_active").int32(0).int16(0).int32(RowDescription.INT4).int16(4).int32(-1).int16(0)
                .cstring("total").int32(0).int16(0).int32(RowDescription.INT8).int16(8).int32(-1).int16(0)
                .message('T');
        assertArrayEquals(expected, WireBytes.encoded(out -> RowDescription.encode(out, List.of(
                new RowDescription.Column("name", RowDescription.TEXT),
                new RowDescription.Column("cl_active", RowDescription.INT4),
                new RowDescription.Column("total", RowDescription.INT8)))));
    }

    @Test
    void noColumns() {
        assertArrayEquals(WireBytes.of().int16(0).message('T'),
                WireBytes.encoded(out -> RowDescription.encode(out, List.of())));
    }
}
