package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** DataRow ('D') in text format, for result sets the pooler produces itself; {@code null} is SQL NULL. */
public final class DataRow {
    private DataRow() {
    }

    public static void encode(ByteBuf out, List<String> values) {
        int len = PgBuf.beginMessage(out, 'D');
        out.writeShort(values.size());
        for (String value : values) {
            if (value == null) {
                out.writeInt(-1);
            } else {
                int lengthIndex = out.writerIndex();
                out.writeInt(0);
                int written = out.writeCharSequence(value, StandardCharsets.UTF_8);
                out.setInt(lengthIndex, written);
            }
        }
        PgBuf.endMessage(out, len);
    }
}
