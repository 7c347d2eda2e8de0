package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): tells a client asking for protocol 3.x (x &gt; 0) that we speak 3.0, and lists
 * the {@code _pq_.*} startup options we did not recognise.
 */
public final class NegotiateProtocolVersion {
    private NegotiateProtocolVersion() {
    }

    public static void encode(ByteBuf out, int newestMinorSupported, List<String> unrecognizedOptions) {
        int len = PgBuf.beginMessage(out, 'v');
        out.writeInt(newestMinorSupported);
        out.writeInt(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            PgBuf.writeCString(out, option);
        }
        PgBuf.endMessage(out, len);
    }
}
