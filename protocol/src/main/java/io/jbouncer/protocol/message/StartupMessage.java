package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * StartupMessage: protocol version and the client's name/value parameters ({@code user}, {@code database},
 * {@code options}, GUCs...). Parameter order is kept because it is echoed to the server.
 */
public record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters) {
    /** Protocol version code of 3.0. */
    public static final int PROTOCOL_3 = 3;
    /**
     * The newest minor version of protocol 3 spoken here: 3.2 (PostgreSQL 18), whose only change is the cancel key
     * of variable length. 3.1 was never used by PostgreSQL; it is accepted and treated as 3.0, as PostgreSQL does.
     */
    public static final int LATEST_MINOR = 2;
    /** The first minor version with long cancel keys. */
    public static final int LONG_KEYS_MINOR = 2;

    /** Decodes the body after the length word and the version word; {@code version} is that word. */
    public static StartupMessage decode(int version, ByteBuf body) {
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
            if (!body.isReadable()) {
                throw new PgProtocolException("bad startup packet: missing terminator");
            }
            if (body.getByte(body.readerIndex()) == 0) {
                body.skipBytes(1);
                break;
            }
            String name = PgBuf.readCString(body);
            String value = PgBuf.readCString(body);
            parameters.put(name, value);
        }
        return new StartupMessage(version >>> 16, version & 0xFFFF, Collections.unmodifiableMap(parameters));
    }

    public String parameter(String name) {
        return parameters.get(name);
    }

    /** Encodes a StartupMessage for protocol 3.{@code minor} (the pooler logging in to PostgreSQL). */
    public static void encode(ByteBuf out, int minor, Map<String, String> parameters) {
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        out.writeInt(PROTOCOL_3 << 16 | minor);
        parameters.forEach((name, value) -> {
            PgBuf.writeCString(out, name);
            PgBuf.writeCString(out, value);
        });
        out.writeByte(0);
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    }

    /** toString without values: {@code password}-like options must never reach a log line. */
    @Override
    public String toString() {
        return "StartupMessage[" + majorVersion + "." + minorVersion + ", " + parameters.keySet() + "]";
    }
}
