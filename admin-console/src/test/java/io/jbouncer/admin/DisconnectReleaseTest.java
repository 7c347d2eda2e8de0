package io.jbouncer.admin;

import static io.jbouncer.admin.SessionInput.feed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.message.Parse;
import io.jbouncer.protocol.message.Query;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A console client that disconnects before Sync, or while a reply is delayed, leaves no buffer behind (issue 15's
 * suspected leak, proved here: without {@link AdminSession#disconnected} the reply being built stayed allocated).
 */
class DisconnectReleaseTest {

    private final FakePoolerView view = new FakePoolerView();
    private final RecordingSink sink = new RecordingSink();
    private final RecordingAllocator alloc = new RecordingAllocator();

    @Test
    void parseWithoutSyncThenDisconnectReleasesThePendingReply() {
        AdminSession session = new AdminSession(view, ConsoleRole.ADMIN, sink, alloc);
        feed(session, out -> new Parse("", "SHOW VERSION", new int[0]).encode(out));
        assertTrue(alloc.allocated.stream().anyMatch(buf -> buf.refCnt() > 0), "a ParseComplete waits for Sync");

        session.disconnected();

        assertTrue(alloc.allocated.stream().allMatch(buf -> buf.refCnt() == 0), "the pending reply was released");
        assertEquals(List.of(), sink.drain(), "nothing is sent to a gone client");
    }

    @Test
    void messagesQueuedBehindADelayedReplyAreReleasedOnDisconnect() {
        CompletableFuture<String> paused = new CompletableFuture<>();
        view.nextResult = paused;
        AdminSession session = new AdminSession(view, ConsoleRole.ADMIN, sink, alloc);
        feed(session, out -> new Query("PAUSE").encode(out));
        feed(session, out -> new Query("SHOW VERSION").encode(out)); // queued behind PAUSE's delayed reply

        session.disconnected();
        paused.complete(null);

        assertFalse(alloc.allocated.isEmpty());
        assertTrue(alloc.allocated.stream().allMatch(buf -> buf.refCnt() == 0), "queued copies were released");
        assertEquals(List.of(), sink.drain(), "the delayed reply is dropped, not sent");
    }
}
