package io.jbouncer.core.prepared;

import io.jbouncer.core.prepared.ExpectedReply.Disposition;
import io.jbouncer.core.stats.PoolStats;
import io.jbouncer.protocol.message.Close;
import io.jbouncer.protocol.message.CommandComplete;
import io.jbouncer.protocol.message.Describe;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Prepared-statement state of one server connection: which of jbouncer's statements it has ({@link StatementCache})
 * and the replies it still owes, in order, so that replies to the pooler's own requests are swallowed and replies to
 * requests never sent are synthesised at the right place (docs/prepared-statements.md).
 *
 * <p><b>Flow.</b> The client loop of the linked client records every request before writing it (the methods from
 * {@link #attach} to {@link #synthesize}) and writes what these methods put in {@code out} before its own message.
 * The server loop matches each reply against the head of the queue: {@link #forwardUnread} for a reply passed on
 * unread, {@link #synthesizedBefore} and {@link #accept} for an inspected one. After an ErrorResponse to an
 * extended-protocol message PostgreSQL skips everything up to the next Sync; so does the queue, and requests skipped
 * that way have their effects undone (a skipped Parse did not prepare anything, a synthesised reply is not sent).
 *
 * <p><b>Threading.</b> Both loops call in; every method is synchronized on this object. Only one client is linked at
 * a time, so the lock is uncontended apart from the two loops of one link.
 */
public final class ServerStatements {
    private static final byte PARSE_COMPLETE = '1';
    private static final byte CLOSE_COMPLETE = '3';
    /** The command tags after which PostgreSQL has no prepared statement left in the session. */
    private static final String DISCARD_ALL = "DISCARD ALL";
    private static final String DEALLOCATE_ALL = "DEALLOCATE ALL";

    private final StatementCache cache;
    private final PoolStats stats;
    private final ArrayDeque<ExpectedReply> expected = new ArrayDeque<>();
    /** Entries of {@link #expected} for which {@link ExpectedReply#needsInspection()} holds. */
    private int inspected;
    private int synthesized;
    /** An extended-protocol message failed: PostgreSQL ignores everything up to the next Sync. */
    private boolean skipping;
    private ClientStatements owner;

    public ServerStatements(int capacity, PoolStats stats) {
        this.cache = new StatementCache(capacity);
        this.stats = stats;
    }

    // ---- client loop ---------------------------------------------------------------------------------------

    /** A new client is linked; nothing can be outstanding at a hand-off, anything left is stale. */
    public synchronized void attach(ClientStatements client) {
        owner = client;
        expected.clear();
        inspected = 0;
        synthesized = 0;
        skipping = false;
    }

    /** The client forwards a request of {@code kind} unchanged. */
    public synchronized void expect(RequestKind kind) {
        add(ExpectedReply.forward(kind));
    }

    /** The client's Bind of jbouncer's {@code statement} is forwarded (renamed). */
    public synchronized void expectBind(SharedStatement statement) {
        add(new ExpectedReply(RequestKind.BIND, Disposition.FORWARD, statement, null));
    }

    /**
     * An ErrorResponse is about to be accepted. When it says the Bind at the head of the queue used a plan whose
     * result type changed since it was prepared (DDL; PostgreSQL's 0A000 {@code cached plan must not change result
     * type}), the statement is retired from the registry: the client gets PostgreSQL's error, and its next Parse of
     * the same text prepares a fresh statement instead of reusing the stale one (PgBouncer needs a RECONNECT).
     */
    public synchronized void beforeError(ErrorResponse error) {
        ExpectedReply head = expected.peekFirst();
        if (head != null && head.kind() == RequestKind.BIND && head.statement() != null
                && "0A000".equals(error.sqlState()) && error.message() != null
                && error.message().startsWith("cached plan must not change result type")) {
            StatementRegistry.shared().retire(head.statement());
        }
    }

    /**
     * The client's Parse of {@code clientName}: if this server has the statement already nothing is sent and a
     * ParseComplete will be synthesised in order; else the Parse under jbouncer's name goes to {@code out}.
     */
    public synchronized void parse(String clientName, SharedStatement statement, ByteBuf out) {
        if (cache.touch(statement)) {
            stats.statementCacheHit();
            add(new ExpectedReply(RequestKind.PARSE, Disposition.SYNTHESIZE, statement, clientName));
            return;
        }
        writeParse(statement, out, new ExpectedReply(RequestKind.PARSE, Disposition.FORWARD, statement, clientName));
    }

    /**
     * A Bind or Describe of {@code statement} follows: if this server lacks it, a hidden Parse goes to {@code out}
     * and its ParseComplete will be swallowed.
     */
    public synchronized void prepare(SharedStatement statement, ByteBuf out) {
        if (cache.touch(statement)) {
            stats.statementCacheHit();
        } else {
            writeParse(statement, out, new ExpectedReply(RequestKind.PARSE, Disposition.SWALLOW, statement, null));
        }
    }

    /** A request answered by the pooler alone (the client's Close of a statement): its reply is synthesised. */
    public synchronized void synthesize(RequestKind kind) {
        add(new ExpectedReply(kind, Disposition.SYNTHESIZE, null, null));
    }

    /**
     * Whether every outstanding entry is a synthesised reply: the server will send nothing that would carry them
     * out, so the server loop must be asked to write them ({@link #synthesizedBefore}).
     */
    public synchronized boolean onlySynthesizedPending() {
        return synthesized > 0 && synthesized == expected.size();
    }

    private void writeParse(SharedStatement statement, ByteBuf out, ExpectedReply reply) {
        List<SharedStatement> evictions = cache.add(statement);
        for (SharedStatement evicted : evictions) {
            new Close(Describe.STATEMENT, evicted.serverName()).encode(out);
            add(new ExpectedReply(RequestKind.CLOSE, Disposition.SWALLOW, evicted, null));
        }
        if (!evictions.isEmpty()) {
            stats.statementsEvicted(evictions.size());
        }
        statement.serverParse().encode(out);
        add(reply);
        stats.serverParsed();
    }

    // ---- server loop ---------------------------------------------------------------------------------------

    /**
     * A reply with {@code tag} is about to be forwarded unread. Returns {@code true} after doing its bookkeeping,
     * or {@code false}, changing nothing, when the reply must be inspected instead (something to swallow,
     * synthesise or undo is pending).
     */
    public synchronized boolean forwardUnread(byte tag) {
        if (inspected > 0 || skipping) {
            return false;
        }
        accept(tag);
        return true;
    }

    /**
     * At a ReadyForQuery's header: whether no reply is due to be synthesised before it and no failed batch is being
     * skipped, so that {@link #synthesizedBefore} will return nothing for it. Requests the client adds meanwhile
     * queue behind the one this ReadyForQuery answers, so the answer holds until it is inspected.
     */
    public synchronized boolean nothingDueBeforeReady() {
        ExpectedReply head = expected.peekFirst();
        return !skipping && (head == null || head.disposition() != Disposition.SYNTHESIZE);
    }

    /**
     * Before an inspected reply, or when the server has nothing more to say: drops what PostgreSQL skipped and
     * returns the replies to synthesise now (all previous requests are answered), or {@code null}.
     */
    public synchronized ByteBuf synthesizedBefore(ByteBufAllocator alloc) {
        if (skipping) {
            List<ExpectedReply> skipped = new ArrayList<>();
            skipToSync(skipped);
            undo(skipped);
        }
        ByteBuf out = null;
        while (!expected.isEmpty() && expected.peekFirst().disposition() == Disposition.SYNTHESIZE) {
            ExpectedReply reply = poll();
            if (out == null) {
                out = alloc.buffer(32);
            }
            out.writeByte(reply.kind() == RequestKind.PARSE ? PARSE_COMPLETE : CLOSE_COMPLETE).writeInt(4);
        }
        return out;
    }

    /**
     * Matches a reply against the oldest outstanding request. Returns {@code false} when the reply must be
     * swallowed (the success of the pooler's own request), {@code true} when it goes to the client; errors
     * always go to the client.
     */
    public synchronized boolean accept(byte tag) {
        if (tag == 'Z') {
            return acceptReadyForQuery();
        }
        ExpectedReply head = expected.peekFirst();
        if (head == null || head.disposition() == Disposition.SYNTHESIZE) {
            return true; // unsolicited (a FATAL before closing), or the caller did not synthesise first
        }
        if (tag == 'E') {
            if (head.kind().isExtended()) {
                List<ExpectedReply> failed = new ArrayList<>();
                failed.add(poll());
                skipping = true;
                skipToSync(failed);
                undo(failed);
            }
            return true;
        }
        if (!head.kind().isFinalReply(tag)) {
            return true;
        }
        poll();
        return head.disposition() != Disposition.SWALLOW;
    }

    /**
     * ReadyForQuery ends the oldest Sync, Query or FunctionCall; anything still queued before it got no reply
     * (PostgreSQL skipped it) and is undone.
     */
    private boolean acceptReadyForQuery() {
        List<ExpectedReply> skipped = new ArrayList<>();
        while (!expected.isEmpty()) {
            ExpectedReply reply = poll();
            if (reply.kind().endsWithReadyForQuery()) {
                break;
            }
            skipped.add(reply);
        }
        undo(skipped);
        skipping = false;
        return true;
    }

    /** Moves the requests PostgreSQL skips, up to the next Sync, from the queue to {@code skipped}. */
    private void skipToSync(List<ExpectedReply> skipped) {
        while (!expected.isEmpty() && expected.peekFirst().kind() != RequestKind.SYNC) {
            skipped.add(poll());
        }
        if (!expected.isEmpty()) {
            skipping = false; // the Sync is next: its ReadyForQuery is the server's next reply
        }
    }

    /**
     * Requests that failed or were skipped, in the order they were sent: what they would have done did not happen.
     * The cache was updated when each was sent, so the updates are reverted last first: a skipped Parse removes a
     * statement the cache did not have before it, a skipped eviction Close puts back one it had (a statement both
     * re-prepared and evicted in one failed pipeline ends up as it was).
     */
    private void undo(List<ExpectedReply> replies) {
        for (int i = replies.size() - 1; i >= 0; i--) {
            undo(replies.get(i));
        }
    }

    private void undo(ExpectedReply reply) {
        if (reply.kind() == RequestKind.PARSE && reply.statement() != null) {
            if (reply.disposition() != Disposition.SYNTHESIZE) {
                cache.remove(reply.statement());
            }
            if (reply.clientName() != null && owner != null) {
                owner.forget(reply.clientName(), reply.statement());
            }
        } else if (reply.kind() == RequestKind.CLOSE && reply.statement() != null) {
            cache.restore(reply.statement()); // an eviction Close that did not run: the server still has it
        }
    }

    /**
     * A CommandComplete {@code DISCARD ALL} or {@code DEALLOCATE ALL} from the linked client's own command: the
     * server dropped every prepared statement, and so did the client's session, except Parses queued behind it.
     */
    public synchronized void discardAll() {
        cache.clear();
        List<String> keep = new ArrayList<>();
        for (ExpectedReply reply : expected) {
            if (reply.kind() == RequestKind.PARSE && reply.statement() != null) {
                if (reply.disposition() != Disposition.SYNTHESIZE) {
                    cache.restore(reply.statement());
                }
                if (reply.clientName() != null) {
                    keep.add(reply.clientName());
                }
            }
        }
        if (owner != null) {
            owner.discardAllExcept(keep);
        }
    }

    /** The pooler's own reset query discarded every statement while no client was linked. */
    public synchronized void serverReset() {
        cache.clear();
    }

    /**
     * Whether a CommandComplete whose length field is {@code length} can carry {@code DISCARD ALL} or
     * {@code DEALLOCATE ALL}: only those few are inspected, every other one streams through.
     */
    public static boolean mayDiscardAll(int length) {
        return length == 5 + DISCARD_ALL.length() || length == 5 + DEALLOCATE_ALL.length();
    }

    /** Whether the whole CommandComplete {@code message} reports {@code DISCARD ALL} or {@code DEALLOCATE ALL}. */
    public static boolean discardsAll(ByteBuf message) {
        String tag = CommandComplete.tagOf(message);
        return tag.equals(DISCARD_ALL) || tag.equals(DEALLOCATE_ALL);
    }

    /** Statements prepared on this server (SHOW SERVERS {@code prepared_statements}). */
    public synchronized int size() {
        return cache.size();
    }

    private void add(ExpectedReply reply) {
        expected.addLast(reply);
        if (reply.needsInspection()) {
            inspected++;
        }
        if (reply.disposition() == Disposition.SYNTHESIZE) {
            synthesized++;
        }
    }

    private ExpectedReply poll() {
        ExpectedReply reply = expected.pollFirst();
        if (reply.needsInspection()) {
            inspected--;
        }
        if (reply.disposition() == Disposition.SYNTHESIZE) {
            synthesized--;
        }
        return reply;
    }
}
