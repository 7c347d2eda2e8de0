package io.jbouncer.protocol.message;

import io.netty.buffer.ByteBuf;

/** ReadyForQuery ('Z'): the end of a request cycle, carrying the transaction status. */
public final class ReadyForQuery {
    /** Idle: not in a transaction block. */
    public static final byte IDLE = 'I';
    /** In a transaction block. */
    public static final byte IN_TRANSACTION = 'T';
    /** In a failed transaction block. */
    public static final byte FAILED_TRANSACTION = 'E';
    /** The wire length of the whole message: tag, int32 length 5, status byte. */
    public static final int WIRE_LENGTH = 6;

    private ReadyForQuery() {
    }

    public static void encode(ByteBuf out, byte status) {
        out.writeByte('Z');
        out.writeInt(5);
        out.writeByte(status);
    }

    /** Reads the status of a whole 'Z' message starting at {@code index}, without moving indexes. */
    public static byte statusAt(ByteBuf buf, int index) {
        return buf.getByte(index + 5);
    }

    public static boolean isValidStatus(byte status) {
        return status == IDLE || status == IN_TRANSACTION || status == FAILED_TRANSACTION;
    }
}
