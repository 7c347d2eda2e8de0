package io.jbouncer.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** PAUSE answers when the pooler says so; queries sent meanwhile are answered after it, in order. */
class DelayedReplyTest {
    private final ConsoleClient admin = new ConsoleClient(ConsoleRole.ADMIN);

    @Test
    void pauseRepliesWhenTheStageCompletesAndHoldsLaterQueriesBack() throws Exception {
        CompletableFuture<String> paused = new CompletableFuture<>();
        admin.view.nextResult = paused;

        assertEquals(List.of(), admin.query("PAUSE app"));
        assertEquals(List.of(), admin.query("SHOW VERSION"));

        CompletableFuture.runAsync(() -> paused.complete(null)).get(10, TimeUnit.SECONDS);

        List<BackendMessage> replies = admin.sink.drain();
        assertEquals("CZTDCZ", RecordingSink.tags(replies));
        assertEquals("PAUSE", replies.get(0).field(0));
        assertEquals("PgBouncer 1.25.2", replies.get(3).field(0));
    }

    @Test
    void delayedErrorKeepsTheConnection() {
        CompletableFuture<String> waitClose = new CompletableFuture<>();
        admin.view.nextResult = waitClose;
        admin.query("WAIT_CLOSE");

        waitClose.complete("cannot wait in admin db: pgbouncer");

        List<BackendMessage> replies = admin.sink.drain();
        assertEquals("EZ", RecordingSink.tags(replies));
        assertEquals("M=cannot wait in admin db: pgbouncer", replies.get(0).field(2));
    }
}
