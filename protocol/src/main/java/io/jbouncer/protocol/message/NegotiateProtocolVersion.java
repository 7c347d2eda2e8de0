package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): the answer to a StartupMessage asking for a newer minor protocol version than the
 * receiver speaks, or naming {@code _pq_.*} options it does not know. It carries the version the connection goes on
 * with (the whole version code, {@code major << 16 | minor}, as PostgreSQL and libpq put it on the wire) and the
 * options that were not recognised.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP">Start-up</a>
 */
public record NegotiateProtocolVersion(int majorVersion, int minorVersion, List<String> unrecognizedOptions) {

    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    public static NegotiateProtocolVersion decode(ByteBuf body) {
        int version = body.readInt();
        int count = body.readInt();
        if (count < 0 || count > body.readableBytes()) {
            throw new PgProtocolException("invalid NegotiateProtocolVersion: " + count + " options");
        }
        List<String> options = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            options.add(PgBuf.readCString(body));
        }
        return new NegotiateProtocolVersion(version >>> 16, version & 0xFFFF, options);
    }

    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'v');
        out.writeInt(majorVersion << 16 | minorVersion);
        out.writeInt(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            PgBuf.writeCString(out, option);
        }
        PgBuf.endMessage(out, len);
    }
}
