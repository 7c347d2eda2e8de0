package io.jbouncer.core.listen;

import io.jbouncer.core.server.Link;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;

/**
 * One transaction-mode client's LISTEN state (docs/transaction-mode.md, "LISTEN/NOTIFY"): the channels it is
 * subscribed to through its pool's {@link PoolListener}, the LISTEN/UNLISTEN statements it ran that wait for their
 * transaction's end, and the notifications on their way to it.
 *
 * <p><b>Statements.</b> A client's LISTEN or UNLISTEN runs on its server as any statement (PostgreSQL answers it,
 * errors and all) and is recorded here with the number of the request cycle (a Query, or an extended-protocol batch
 * up to its Sync) that carries it. The server's replies are watched while something is recorded: a CommandComplete
 * {@code COMMIT} or {@code ROLLBACK} or an ErrorResponse sets the transaction's outcome, and at a ReadyForQuery with
 * status idle every recorded statement of a cycle answered so far takes effect, unless that transaction failed or
 * was rolled back, as PostgreSQL applies them at commit. The server forgets its own LISTENs before it goes back
 * to the pool ({@code UNLISTEN *}, see {@code ServerConnection}).
 *
 * <p><b>Notifications</b> reach the client on its own event loop, only between its server's replies (never inside a
 * forwarded message); while the client holds a server they wait here and go out when the server is released. At
 * most {@code notify_queue_size} may be on their way (waiting here or written and not yet sent); one more closes the
 * client with {@code 53400}, so a client that stops reading never holds up the others or grows the heap.
 *
 * <p><b>Threading.</b> {@link #forwarding} and {@link #close} run on the client's loop, {@link #serverReplied} and
 * {@link #readyForQuery} on its server's loop, {@link #deliver} on the listener's; the statement state is guarded by
 * {@code this}.
 *
 * <p><b>Created at the first LISTEN.</b> Nearly no client ever LISTENs, so none has one of these until the client
 * loop forwards its first LISTEN ({@link #startsListening}); until then a transaction costs the client nothing here
 * but a null check, and an idle client nothing at all. A statement takes effect at the ReadyForQuery that answers
 * the request cycle carrying it, which is found by counting: cycles sent in full on the client loop
 * ({@code cyclesSent}), ReadyForQuery replies shown on the server loop ({@code cyclesAnswered}). Both counts must
 * start at the same point, though requests sent before the first LISTEN may still be unanswered on the client's
 * server then (a pipeline) and their replies race with the creation. The link's atomic request count settles it
 * ({@code Link}, "Watched ReadyForQuery replies"): the client publishes this object, then in one compare-and-set
 * counts the LISTEN's message and marks the link watched, and learns how many cycles sent in full were unanswered
 * at that instant ({@code Link.beforeFirstWatched}). Exactly those replies, and every later one, are shown to
 * {@link #readyForQuery} (each before the CAS that may release the link, so in order, the last before the client
 * can send anything to another server); every earlier one was answered before the instant and is shown to nobody.
 * So {@code cyclesSent} starts at that number ({@link #start}) and {@code cyclesAnswered} at zero, whichever
 * of the two loops gets here first: the server loop only compares with what is recorded, and the LISTEN is recorded
 * after {@code start}. When the link was released instead, nothing is unanswered, the message goes to the
 * client's next server, and every link the client gets from now on is watched from its start. A client's earlier
 * servers are all released, so none of their replies is still to come. UNLISTEN alone creates nothing: a client
 * that never LISTENed has nothing to end.
 *
 * <p><b>Memory.</b> The collections are created on first use too (the subscribed channels at the first LISTEN
 * that takes effect, the held notifications at the first notification held).
 */
public final class ClientListens {

    /** A Query or Parse up to this length is read whole for LISTEN statements; longer ones are not looked into. */
    public static final int MAX_READ_LENGTH = 64 * 1024;

    /** What this needs of the client connection. */
    public interface Client {
        Channel channel();

        EventExecutor executor();

        /** Client loop: whether the client holds no server now, so nothing of a server's is being forwarded to it. */
        boolean betweenServerReplies();

        /** Client loop: reports {@code error} and closes the client. */
        void closeWithError(ErrorResponse error);
    }

    private enum Outcome { NONE, COMMITTED, ROLLED_BACK, FAILED }

    private record Recorded(ListenCommand command, long cycle) {
    }

    private final Client client;
    private final PoolListener listener;
    private final int queueLimit;

    private static final AtomicIntegerFieldUpdater<ClientListens> QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(ClientListens.class, "queued");

    /**
     * Guarded by {@code this}: subscribed channels and statements waiting for their transaction ({@code null} until
     * first used), the transaction's outcome.
     */
    private Set<String> channels;
    private ArrayDeque<Recorded> recorded;
    private long cyclesAnswered;
    private Outcome outcome = Outcome.NONE;
    private boolean closed;
    /** Whether the server's replies must be shown to {@link #serverReplied}: something is recorded. */
    private volatile boolean watching;

    /** Client loop only: request cycles forwarded so far. */
    private long cyclesSent;
    /** Client loop only: notifications held while the client holds a server ({@code null} until one is). */
    private ArrayDeque<ByteBuf> held;
    /** Notifications handed to {@link #deliver} and not yet written to the socket (any thread, through QUEUED). */
    private volatile int queued;
    private volatile boolean overflowed;
    /**
     * A ReadyForQuery of this client waits for the listener connection (set by the server loop before it releases
     * the server, cleared by {@link #serverReleased}): the client must not ask for another server meanwhile, whose
     * replies could overtake it.
     */
    private volatile boolean replyHeld;
    /** Client loop only: what to run once the held ReadyForQuery is written (the client's next request). */
    private Runnable resume;

    public ClientListens(Client client, PoolListener listener, int queueLimit) {
        this.client = client;
        this.listener = listener;
        this.queueLimit = queueLimit;
    }

    /** Whether a message with this header is read whole (the caller waits until it is buffered). */
    public static boolean readsWhole(byte tag, int length) {
        return (tag == 'Q' || tag == 'P') && length <= MAX_READ_LENGTH;
    }

    /**
     * Client loop, before a client without LISTEN state forwards a message that {@link #readsWhole} (whole in
     * {@code buffer} from its reader index): whether it holds a LISTEN statement, so the client needs one of these
     * now (see the class comment).
     */
    public static boolean startsListening(byte tag, int length, ByteBuf buffer) {
        return commands(tag, length, buffer).stream().anyMatch(c -> c.kind() == ListenCommand.Kind.LISTEN);
    }

    /**
     * Client loop, once: the client's first LISTEN is about to go to {@code link}, and this state starts in the order
     * the proof above ("Created at the first LISTEN") needs. It is published first ({@code publish}: where the
     * server loop reads it as soon as it sees the link marked), then the link counts the LISTEN's message (a request
     * it begins starts at {@code now}) and is marked watched, and the count of cycles sent starts at those sent in
     * full before it and still unanswered (their ReadyForQuery replies come first). Returns {@code false} when the
     * link was released meanwhile: the state stays published, and the client's next server is watched from its
     * start.
     */
    public boolean start(Link link, byte tag, long now, Consumer<ClientListens> publish) {
        publish.accept(this);
        int cyclesUnanswered = link.beforeFirstWatched(tag, now);
        if (cyclesUnanswered < 0) {
            return false;
        }
        cyclesSent = cyclesUnanswered;
        return true;
    }

    /**
     * Client loop, for every message forwarded to the linked server, before it is written: counts request cycles
     * and records the LISTEN/UNLISTEN statements of a Query or Parse that {@link #readsWhole} (whole in
     * {@code buffer} from its reader index). Returns {@code true} when the message holds such a statement, so the
     * server must forget its own LISTENs before it serves another client.
     */
    public boolean forwarding(byte tag, int length, ByteBuf buffer) {
        List<ListenCommand> commands = readsWhole(tag, length) ? commands(tag, length, buffer) : List.of();
        if (!commands.isEmpty()) {
            record(commands, cyclesSent + 1);
        }
        if (tag == 'Q' || tag == 'F' || tag == 'S') {
            cyclesSent++;
        }
        return !commands.isEmpty();
    }

    private static List<ListenCommand> commands(byte tag, int length, ByteBuf buffer) {
        if (!ListenParser.mentionsListen(buffer, buffer.readerIndex() + 5, length - 4)) {
            return List.of(); // nearly every message: one scan of its bytes, nothing decoded
        }
        return ListenParser.parse(queryText(tag, buffer, length));
    }

    private static String queryText(byte tag, ByteBuf buffer, int length) {
        ByteBuf body = buffer.slice(buffer.readerIndex() + 5, length - 4);
        if (tag == 'P') {
            PgBuf.skipCString(body); // the statement name
        }
        return PgBuf.readCString(body);
    }

    private synchronized void record(List<ListenCommand> commands, long cycle) {
        if (recorded == null) {
            recorded = new ArrayDeque<>();
        }
        for (ListenCommand command : commands) {
            recorded.add(new Recorded(command, cycle));
        }
        watching = true;
    }

    /**
     * Whether the linked server's CommandComplete and ErrorResponse must be shown to {@link #serverReplied} (every
     * ReadyForQuery is shown to {@link #readyForQuery}, to count the cycles answered).
     */
    public boolean watching() {
        return watching;
    }

    /**
     * Server loop: a CommandComplete or ErrorResponse of the linked server to this client's requests (not to the
     * pooler's own queries), while {@link #watching}.
     */
    public synchronized void serverReplied(byte tag, ByteBuf message) {
        if (tag == 'E') {
            outcome = Outcome.FAILED;
        } else if (tag == 'C') {
            String command = PgBuf.readCString(PgBuf.body(message));
            if (command.equals("COMMIT")) {
                outcome = Outcome.COMMITTED;
            } else if (command.equals("ROLLBACK")) {
                outcome = Outcome.ROLLED_BACK;
            }
        }
    }

    /**
     * Server loop: a ReadyForQuery answering this client's requests, each in order from the instant this was
     * created (see the class comment). Returns, for one that ended a transaction with new subscriptions, what must
     * complete before it goes to the client (the listener connection's LISTEN); else {@code null}.
     */
    public synchronized CompletableFuture<Void> readyForQuery(byte status) {
        cyclesAnswered++;
        if (status != ReadyForQuery.IDLE) {
            return null;
        }
        boolean committed = outcome == Outcome.NONE || outcome == Outcome.COMMITTED;
        outcome = Outcome.NONE;
        CompletableFuture<Void> listening = transactionEnded(committed);
        if (listening != null) {
            replyHeld = true;
        }
        return listening;
    }

    private CompletableFuture<Void> transactionEnded(boolean committed) {
        if (recorded == null || recorded.isEmpty()) {
            return null; // every transaction without a LISTEN or UNLISTEN of its own
        }
        List<CompletableFuture<Void>> listening = new ArrayList<>();
        while (!recorded.isEmpty() && recorded.peek().cycle() <= cyclesAnswered) {
            ListenCommand command = recorded.poll().command();
            if (committed && !closed) {
                apply(command, listening);
            }
        }
        watching = !recorded.isEmpty();
        return listening.isEmpty() ? null : CompletableFuture.allOf(listening.toArray(CompletableFuture[]::new));
    }

    private void apply(ListenCommand command, List<CompletableFuture<Void>> listening) {
        switch (command.kind()) {
            case LISTEN -> {
                if (channels == null) {
                    channels = new HashSet<>();
                }
                if (channels.add(command.channel())) {
                    listening.add(listener.subscribe(this, command.channel()));
                }
            }
            case UNLISTEN -> {
                if (channels != null && channels.remove(command.channel())) {
                    listener.unsubscribe(this, command.channel());
                }
            }
            case UNLISTEN_ALL -> {
                if (channels != null) {
                    for (String channel : channels) {
                        listener.unsubscribe(this, channel);
                    }
                    channels = null;
                }
            }
        }
    }

    /** The channels this client is subscribed to now (a copy). */
    public synchronized List<String> channels() {
        return channels == null ? List.of() : new ArrayList<>(channels);
    }

    /** Client loop: the client is gone; its subscriptions end and what was on its way is dropped. */
    public void close() {
        synchronized (this) {
            closed = true;
            apply(ListenCommand.unlistenAll(), List.of());
            recorded = null;
            watching = false;
        }
        releaseHeld();
    }

    // ---- delivery ------------------------------------------------------------------------------------------

    /**
     * Any thread (the listener's loop): one NotificationResponse or NoticeResponse for this client, whose ownership
     * passes here. It goes out on the client's loop in the order of these calls.
     */
    void deliver(ByteBuf message) {
        if (overflowed) {
            message.release();
            return;
        }
        if (QUEUED.incrementAndGet(this) > queueLimit) {
            overflowed = true;
            message.release();
            client.executor().execute(() -> client.closeWithError(ErrorResponse.fatal(
                    SqlState.CONFIGURATION_LIMIT_EXCEEDED,
                    "notify_queue_size exceeded: the client did not read its notifications")));
            return;
        }
        client.executor().execute(() -> onLoop(message));
    }

    /** Any thread: the NOTICE that notifications may have been missed (the listener connection was lost). */
    void deliverMissedNotice() {
        ByteBuf notice = client.channel().alloc().buffer(160);
        ErrorResponse.notice("notifications may have been missed: jbouncer's listener connection to the server was"
                + " lost and has been re-established", null).encodeAsNotice(notice);
        deliver(notice);
    }

    private void onLoop(ByteBuf message) {
        boolean gone;
        synchronized (this) {
            gone = closed;
        }
        if (gone) {
            message.release();
            QUEUED.decrementAndGet(this);
        } else if ((held == null || held.isEmpty()) && client.betweenServerReplies()) {
            write(message);
        } else {
            if (held == null) {
                held = new ArrayDeque<>();
            }
            held.add(message);
        }
    }

    /**
     * Client loop, before it asks for a server: returns {@code true} when a ReadyForQuery of its last server is still
     * held ({@link #readyForQuery}); {@code resume} then runs on the client loop once it is written.
     */
    public boolean holdsRequests(Runnable resume) {
        if (!replyHeld) {
            return false; // its write, if there was one, is already queued on the client loop
        }
        this.resume = resume;
        return true;
    }

    /**
     * Any thread (the server's loop, or the listener's when a held reply waited): the ReadyForQuery that ended the
     * client's transaction has been written. Sends what was held while the client had a server and lets a held
     * request go on.
     */
    public void serverReleased() {
        boolean wasHeld = replyHeld;
        replyHeld = false;
        if (wasHeld || queued > 0) { // anything held is counted in queued
            client.executor().execute(this::afterRelease);
        }
    }

    private void afterRelease() {
        sendHeld();
        Runnable next = resume;
        resume = null;
        if (next != null) {
            next.run();
        }
    }

    private void sendHeld() {
        if (held == null || !client.betweenServerReplies() || !client.channel().isActive()) {
            return;
        }
        ByteBuf message;
        while ((message = held.poll()) != null) {
            write(message);
        }
    }

    private void write(ByteBuf message) {
        client.channel().writeAndFlush(message).addListener(done -> QUEUED.decrementAndGet(this));
    }

    private void releaseHeld() {
        if (held == null) {
            return;
        }
        ByteBuf message;
        while ((message = held.poll()) != null) {
            message.release();
            QUEUED.decrementAndGet(this);
        }
    }

    /** Decodes the channel of a NotificationResponse (for fan-out; the message itself goes on unchanged). */
    static String channelOf(ByteBuf message) {
        ByteBuf body = PgBuf.body(message);
        body.skipBytes(4); // the sending backend's pid
        return PgBuf.readCString(body);
    }
}
