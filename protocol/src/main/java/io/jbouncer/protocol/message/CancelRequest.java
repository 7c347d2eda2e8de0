package io.jbouncer.protocol.message;

import io.netty.buffer.ByteBuf;

/** CancelRequest: the 16-byte untyped packet quoting a BackendKeyData, sent on a fresh connection. */
public record CancelRequest(int processId, int secretKey) {
    /** The request code in place of a protocol version: 1234 in the high half, 5678 in the low half. */
    public static final int CODE = 80877102;
    public static final int PACKET_LENGTH = 16;

    public void encode(ByteBuf out) {
        out.writeInt(PACKET_LENGTH);
        out.writeInt(CODE);
        out.writeInt(processId);
        out.writeInt(secretKey);
    }
}
