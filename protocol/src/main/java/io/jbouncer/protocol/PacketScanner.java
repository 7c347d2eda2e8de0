package io.jbouncer.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Walks the typed messages of one direction of a PostgreSQL v3 stream and forwards them verbatim, so the pooler
 * reads only what pooling needs (PgBouncer's "SEND pkt" / "SEND pkt_remain" model).
 *
 * <p>For every message the {@link Handler} first {@linkplain Handler#onHeader decides} from its header:
 * <ul>
 *   <li>{@link Action#FORWARD}: the bytes are passed on without being collected; a large body streams through
 *       in as many pieces as it arrives in, so no message is ever buffered whole (DataRow, CopyData...).</li>
 *   <li>{@link Action#INSPECT}: the scanner waits until the whole message is buffered, then hands it to
 *       {@link Handler#onMessage}, which decides to forward or swallow it (ReadyForQuery, ParameterStatus...).</li>
 *   <li>{@link Action#STOP}: scanning stops before this message; the caller scans again later (e.g. a client
 *       message that must wait until a server connection is assigned).</li>
 * </ul>
 * Consecutive forwarded bytes are coalesced into one retained slice per run, so a read burst of many small
 * messages costs one write. Forwarded runs are emitted before {@code onMessage} is called (except before an
 * {@link Action#INSPECT_IN_RUN} message), so anything the handler writes itself stays in order with the stream.
 *
 * <p>Not thread-safe: one instance per stream direction, used by one thread at a time.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class PacketScanner {

    /** What to do with a message, decided from its tag and length. */
    public enum Action {
        FORWARD,
        INSPECT,
        /**
         * Like {@link #INSPECT}, but the run forwarded before the message is held back until {@code onMessage} has
         * decided: a message it forwards goes on in the same slice as the run before it (a reply's ReadyForQuery
         * with the rows before it: one buffer to write instead of two). So {@code onMessage} must write nothing
         * itself to where the runs go, or it would overtake the run.
         */
        INSPECT_IN_RUN,
        STOP
    }

    /**
     * Callbacks of one scan; all are invoked on the scanning thread. {@code now} is the value the caller passed to
     * {@link #scan}, unchanged: the scanner never reads a clock, so everything one scan decides can be timed with the
     * caller's single clock reading for the read it scans.
     */
    public interface Handler {
        /**
         * Decides what to do with the message starting here. A {@link Action#FORWARD} answer is final, so the
         * handler may do its bookkeeping for the message here. After {@link Action#INSPECT} (or
         * {@code INSPECT_IN_RUN}) the same header is offered again while the message is incomplete, and after
         * {@link Action#STOP} on the next scan: those answers must leave no side effects.
         *
         * @param length the value of the length field, which counts itself but not the tag
         * @param now the caller's time for this scan, as passed to {@link #scan}
         */
        Action onHeader(byte tag, int length, long now);

        /**
         * Called with a whole inspected message (tag and length included). The buffer is a slice valid only during
         * the call and is not retained for the handler. Returns {@code true} to forward it, {@code false} to drop it.
         *
         * @param now the caller's time for this scan, as passed to {@link #scan}
         */
        boolean onMessage(byte tag, ByteBuf message, long now);

        /** Receives a run of bytes to send on; ownership of the retained slice passes to the handler. */
        void forward(ByteBuf bytes);
    }

    private final int maxMessageLength;
    /** Body bytes of the current forwarded message still to pass through. */
    private long bodyRemaining;

    /** @param maxMessageLength the largest acceptable value of a length field (PgBouncer's max_packet_size) */
    public PacketScanner(int maxMessageLength) {
        if (maxMessageLength < 4) {
            throw new IllegalArgumentException("maxMessageLength: " + maxMessageLength + " (expected: >= 4)");
        }
        this.maxMessageLength = maxMessageLength;
    }

    /** True while a forwarded message has been partly passed on: the stream is not at a message boundary. */
    public boolean inMessage() {
        return bodyRemaining > 0;
    }

    /**
     * Scans {@code in} from its reader index, advancing it past everything forwarded, inspected or dropped.
     * Unconsumed bytes (an incomplete header or inspected message, or a STOP) stay readable for the next call.
     *
     * @param now passed unchanged to the handler's callbacks; typically {@code System.nanoTime()} as the caller read
     *            it once for the read being scanned
     * @throws PgProtocolException on an impossible length field (the stream cannot be resynchronised)
     */
    public void scan(ByteBuf in, Handler handler, long now) {
        int runStart = -1;
        while (true) {
            if (bodyRemaining > 0) {
                int n = (int) Math.min(bodyRemaining, in.readableBytes());
                if (n == 0) {
                    break;
                }
                if (runStart < 0) {
                    runStart = in.readerIndex();
                }
                in.skipBytes(n);
                bodyRemaining -= n;
                continue;
            }
            if (in.readableBytes() < 5) {
                break;
            }
            int start = in.readerIndex();
            byte tag = in.getByte(start);
            int length = in.getInt(start + 1);
            if (length < 4 || length > maxMessageLength) {
                emit(in, runStart, start, handler);
                throw new PgProtocolException(String.format("bad packet header: '%02x%08x'", tag, length));
            }
            Action action = handler.onHeader(tag, length, now);
            if (action == Action.STOP) {
                break;
            }
            if (action == Action.FORWARD) {
                if (runStart < 0) {
                    runStart = start;
                }
                in.skipBytes(5);
                bodyRemaining = length - 4;
                continue;
            }
            int wireLength = length + 1;
            if (in.readableBytes() < wireLength) {
                break;
            }
            boolean inRun = action == Action.INSPECT_IN_RUN;
            if (!inRun) {
                emit(in, runStart, start, handler);
                runStart = -1;
            }
            in.skipBytes(wireLength);
            if (handler.onMessage(tag, in.slice(start, wireLength), now)) {
                if (runStart < 0) {
                    runStart = start;
                }
            } else if (inRun) {
                emit(in, runStart, start, handler);
                runStart = -1;
            }
        }
        emit(in, runStart, in.readerIndex(), handler);
    }

    private static void emit(ByteBuf in, int runStart, int end, Handler handler) {
        if (runStart >= 0 && end > runStart) {
            handler.forward(in.retainedSlice(runStart, end - runStart));
        }
    }
}
