package io.jbouncer.core.admin;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Console commands whose reply waits for a condition (PAUSE until no server is busy, WAIT_CLOSE until no
 * close_needed server remains): checked on every janitor tick, completed when the condition holds.
 */
final class DelayedReplies {
    private record Pending(BooleanSupplier done, CompletableFuture<String> reply) { }

    private final List<Pending> pending = new CopyOnWriteArrayList<>();

    /** A reply that completes (with success) once {@code done} is true; checked at once and on each tick. */
    CompletionStage<String> when(BooleanSupplier done) {
        CompletableFuture<String> reply = new CompletableFuture<>();
        if (done.getAsBoolean()) {
            reply.complete(null);
        } else {
            pending.add(new Pending(done, reply));
        }
        return reply;
    }

    /** The janitor's tick. */
    void poll() {
        for (Pending p : pending) {
            if (p.done().getAsBoolean()) {
                pending.remove(p);
                p.reply().complete(null);
            }
        }
    }
}
