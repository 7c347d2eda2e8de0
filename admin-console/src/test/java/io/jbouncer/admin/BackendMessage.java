package io.jbouncer.admin;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A decoded backend message for assertions: its tag and a readable rendering of its fields. */
record BackendMessage(char tag, List<String> fields) {

    /** Splits a reply buffer into messages and releases it. */
    static List<BackendMessage> decodeAll(ByteBuf buf) {
        List<BackendMessage> messages = new ArrayList<>();
        try {
            while (buf.isReadable()) {
                char tag = (char) buf.readByte();
                int length = buf.readInt();
                messages.add(decode(tag, buf.readSlice(length - 4)));
            }
        } finally {
            buf.release();
        }
        return messages;
    }

    private static BackendMessage decode(char tag, ByteBuf body) {
        List<String> fields = new ArrayList<>();
        switch (tag) {
            case 'T' -> {
                int count = body.readShort();
                for (int i = 0; i < count; i++) {
                    String name = cstring(body);
                    body.skipBytes(6);
                    int oid = body.readInt();
                    body.skipBytes(8);
                    fields.add(name + ":" + oid + ":" + body.getShort(body.readerIndex() - 2));
                }
            }
            case 'D' -> {
                int count = body.readShort();
                for (int i = 0; i < count; i++) {
                    int length = body.readInt();
                    fields.add(length < 0 ? null : body.readSlice(length).toString(StandardCharsets.ISO_8859_1));
                }
            }
            case 'E', 'N' -> {
                while (body.isReadable()) {
                    byte type = body.readByte();
                    if (type == 0) {
                        break;
                    }
                    String value = cstring(body);
                    if (type == 'C' || type == 'M' || type == 'D' || type == 'S') {
                        fields.add((char) type + "=" + value);
                    }
                }
            }
            case 'C', 'S' -> {
                while (body.isReadable()) {
                    fields.add(cstring(body));
                }
            }
            case 'Z' -> fields.add(String.valueOf((char) body.readByte()));
            default -> {
                while (body.isReadable()) {
                    fields.add(String.valueOf(body.readByte()));
                }
            }
        }
        return new BackendMessage(tag, fields);
    }

    private static String cstring(ByteBuf body) {
        int nul = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        String s = body.toString(body.readerIndex(), nul - body.readerIndex(), StandardCharsets.UTF_8);
        body.readerIndex(nul + 1);
        return s;
    }

    String field(int i) {
        return fields.get(i);
    }
}
