package io.jbouncer.protocol.message;

import io.jbouncer.protocol.PgBuf;
import io.netty.buffer.ByteBuf;

/**
 * BackendKeyData ('K'): the process id and secret a client quotes in a CancelRequest. PgBouncer always uses
 * the 8-byte protocol 3.0 form (fact sheet 5.6).
 */
public record BackendKeyData(int processId, int secretKey) {

    public static BackendKeyData decode(ByteBuf body) {
        return new BackendKeyData(body.readInt(), body.readInt());
    }

    public void encode(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'K');
        out.writeInt(processId);
        out.writeInt(secretKey);
        PgBuf.endMessage(out, len);
    }
}
