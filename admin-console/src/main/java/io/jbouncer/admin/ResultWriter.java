package io.jbouncer.admin;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.DataRow;
import io.jbouncer.protocol.message.RowDescription;
import io.jbouncer.protocol.message.RowDescription.Column;
import io.netty.buffer.ByteBuf;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a console result as RowDescription and DataRows. Simple queries get text values only; an extended
 * protocol portal may ask for binary values per column (pgjdbc does after prepareThreshold executions), which are
 * written for int4, int8, numeric, bool, bytea and text.
 */
final class ResultWriter {
    private static final int BOOL = 16;
    private static final int NBASE_DIGITS = 4;
    private static final int NUMERIC_NEGATIVE = 0x4000;

    private ResultWriter() {
    }

    /** RowDescription; {@code formats} (nullable) gives the portal's result formats. */
    static void rowDescription(ByteBuf out, List<Column> columns, Bind formats) {
        int start = out.writerIndex();
        RowDescription.encode(out, columns);
        if (formats == null) {
            return;
        }
        // RowDescription writes format code 0; patch the last int16 of each field: name\0 + 18 bytes per column.
        int position = start + 7;
        for (int i = 0; i < columns.size(); i++) {
            position = out.indexOf(position, out.writerIndex(), (byte) 0) + 1;
            out.setShort(position + 16, formats.resultFormat(i));
            position += 18;
        }
    }

    /** One DataRow per row; values are {@link String}, {@link Long} or null. */
    static void dataRows(ByteBuf out, List<Column> columns, List<List<Object>> rows, Bind formats) {
        for (List<Object> row : rows) {
            if (formats == null || !anyBinary(formats, columns.size())) {
                List<String> texts = new ArrayList<>(row.size());
                for (Object value : row) {
                    texts.add(value == null ? null : value.toString());
                }
                DataRow.encode(out, texts);
            } else {
                binaryRow(out, columns, row, formats);
            }
        }
    }

    private static boolean anyBinary(Bind formats, int columnCount) {
        for (int i = 0; i < columnCount; i++) {
            if (formats.resultFormat(i) == Bind.BINARY_FORMAT) {
                return true;
            }
        }
        return false;
    }

    private static void binaryRow(ByteBuf out, List<Column> columns, List<Object> row, Bind formats) {
        int len = PgBuf.beginMessage(out, 'D');
        out.writeShort(row.size());
        for (int i = 0; i < row.size(); i++) {
            Object value = row.get(i);
            if (value == null) {
                out.writeInt(-1);
                continue;
            }
            String text = value.toString();
            int lengthIndex = out.writerIndex();
            out.writeInt(0);
            if (formats.resultFormat(i) == Bind.BINARY_FORMAT) {
                writeBinary(out, columns.get(i).typeOid(), text);
            } else {
                out.writeCharSequence(text, StandardCharsets.UTF_8);
            }
            out.setInt(lengthIndex, out.writerIndex() - lengthIndex - 4);
        }
        PgBuf.endMessage(out, len);
    }

    private static void writeBinary(ByteBuf out, int typeOid, String text) {
        switch (typeOid) {
            case RowDescription.INT4 -> out.writeInt(Integer.parseInt(text));
            case RowDescription.INT8 -> out.writeLong(Long.parseLong(text));
            case RowDescription.NUMERIC -> writeNumeric(out, new BigDecimal(text));
            case BOOL -> out.writeByte(text.equals("t") ? 1 : 0);
            case RowDescription.BYTEA -> {
                for (int i = 2; i + 1 < text.length(); i += 2) {
                    out.writeByte(Integer.parseInt(text.substring(i, i + 2), 16));
                }
            }
            default -> out.writeCharSequence(text, StandardCharsets.UTF_8);
        }
    }

    /** PostgreSQL's binary numeric: ndigits, weight, sign, dscale, then base-10000 digits. */
    static void writeNumeric(ByteBuf out, BigDecimal value) {
        BigDecimal abs = value.abs();
        int dscale = Math.max(0, abs.scale());
        String plain = abs.setScale(dscale).toPlainString();
        int dot = plain.indexOf('.');
        String integer = dot < 0 ? plain : plain.substring(0, dot);
        String fraction = dot < 0 ? "" : plain.substring(dot + 1);
        integer = "0".repeat((NBASE_DIGITS - integer.length() % NBASE_DIGITS) % NBASE_DIGITS) + integer;
        fraction = fraction + "0".repeat((NBASE_DIGITS - fraction.length() % NBASE_DIGITS) % NBASE_DIGITS);
        String all = integer + fraction;
        List<Integer> digits = new ArrayList<>();
        for (int i = 0; i < all.length(); i += NBASE_DIGITS) {
            digits.add(Integer.parseInt(all.substring(i, i + NBASE_DIGITS)));
        }
        int weight = integer.length() / NBASE_DIGITS - 1;
        while (!digits.isEmpty() && digits.get(0) == 0) {
            digits.remove(0);
            weight--;
        }
        while (!digits.isEmpty() && digits.get(digits.size() - 1) == 0) {
            digits.remove(digits.size() - 1);
        }
        out.writeShort(digits.size());
        out.writeShort(digits.isEmpty() ? 0 : weight);
        out.writeShort(value.signum() < 0 ? NUMERIC_NEGATIVE : 0);
        out.writeShort(dscale);
        digits.forEach(out::writeShort);
    }
}
