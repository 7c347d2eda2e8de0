package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * RowDescription ('T') for result sets the pooler produces itself (admin console). Rows relayed from
 * PostgreSQL are never decoded: their RowDescription is forwarded as bytes.
 */
public final class RowDescription {
    /** Type OIDs used by PgBouncer's console (PgBouncer's src/admin.c; OIDs from PostgreSQL's pg_type). */
    public static final int TEXT = 25;
    public static final int INT4 = 23;
    public static final int INT8 = 20;
    public static final int NUMERIC = 1700;
    public static final int BYTEA = 17;

    /** One column: its name and type OID; format is always text. */
    public record Column(String name, int typeOid) {
        int typeSize() {
            return switch (typeOid) {
                case INT4 -> 4;
                case INT8 -> 8;
                default -> -1;
            };
        }
    }

    private RowDescription() {
    }

    public static void encode(ByteBuf out, List<Column> columns) {
        int len = PgBuf.beginMessage(out, 'T');
        out.writeShort(columns.size());
        for (Column column : columns) {
            PgBuf.writeCString(out, column.name());
            out.writeInt(0);                 // table OID
            out.writeShort(0);               // column attribute number
            out.writeInt(column.typeOid());
            out.writeShort(column.typeSize());
            out.writeInt(-1);                // type modifier
            out.writeShort(0);               // text format
        }
        PgBuf.endMessage(out, len);
    }
}
