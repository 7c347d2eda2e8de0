package io.jbouncer.core.net;

import io.jbouncer.core.Log;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * On a listening socket: a failing {@code accept()} (no descriptor left, {@code EMFILE}/{@code ENFILE}) stops
 * accepting for {@link #PAUSE} instead of retrying at once (the waiting connection stays in the listen backlog, so
 * a retry fails again and the loop would spin), with one log line per pause, as PgBouncer suspends accepting after
 * such an error. Connected clients are not touched. Netty's own acceptor pauses too, but logs a stack trace through
 * Netty's logger and resumes even while SUSPEND holds the listener, so the exception stops here. Accepting resumes
 * only if {@code accepting} (no SUSPEND) says so.
 */
final class AcceptFailures extends ChannelInboundHandlerAdapter {

    static final Duration PAUSE = Duration.ofSeconds(1);
    private static final String FAILED = "failed: ";

    private final BooleanSupplier accepting;

    AcceptFailures(BooleanSupplier accepting) {
        this.accepting = accepting;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().config().isAutoRead()) {
            return; // already paused (or suspended): nothing more to say
        }
        Log.error("accept() failed: %s; not accepting for %d s", reason(cause), PAUSE.toSeconds());
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> {
            if (accepting.getAsBoolean()) {
                ctx.channel().config().setAutoRead(true);
            }
        }, PAUSE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The system's words: Netty's native errors read {@code accept(..) failed: Too many open files}. */
    private static String reason(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        int at = message.indexOf(FAILED);
        return at < 0 ? message : message.substring(at + FAILED.length());
    }
}
