package io.jbouncer.core.session;

import io.jbouncer.core.Log;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Close;
import io.jbouncer.protocol.message.CommandComplete;
import io.jbouncer.protocol.message.Execute;
import io.jbouncer.protocol.message.Parse;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * The session settings one client made with SQL ({@code track_session_settings}), kept with PostgreSQL's
 * semantics so that whichever server the client gets next can be given them ({@link AppliedSettings}).
 *
 * <p><b>How a change is recorded.</b> The client loop reads each request ({@link #onRequest}: a simple Query's
 * statements, or the statement an Execute runs) and queues one {@link SessionCommand} per statement, then an end
 * marker per request. The server loop matches the replies in order ({@link #onReply}): a CommandComplete confirms
 * the head command, an ErrorResponse skips the rest of the request, EmptyQueryResponse and PortalSuspended take
 * their statement off. A confirmed {@code SET} is pending until its transaction ends: at a ReadyForQuery outside a
 * transaction block it persists unless the transaction failed; {@code COMMIT} persists and {@code ROLLBACK}
 * discards what is pending; {@code ROLLBACK TO} discards what came after its savepoint; {@code SET LOCAL} never
 * persists. Parameters PostgreSQL reports with ParameterStatus ({@code TimeZone}, {@code application_name}...) are
 * left to the parameter cache, which already follows them.
 *
 * <p><b>Threading.</b> {@link #onRequest} runs on the client loop, {@link #onReply} on the loop of the server the
 * client is linked to; they share only the queue and the volatile {@link #committed} map. Pending changes belong to
 * one transaction, so to one link, and one server loop at a time.
 */
public final class SessionSettings {
    /** Ends each request's commands in the queue: the ReadyForQuery that answers it. */
    private static final Object END = new Object();
    /** A request whose statements could not be told apart: its replies are not matched. */
    private static final Object UNKNOWN = new Object();

    private final String client;
    private final Predicate<String> reportedByServer;
    private final Queue<Object> expected = new ConcurrentLinkedQueue<>();
    private volatile Map<String, TrackedSetting> committed = Map.of();
    /** Client loop: what the client's named statements and portals would do, for the ones that do something. */
    private final Map<String, SessionCommand> statements = new HashMap<>();
    private final Map<String, SessionCommand> portals = new HashMap<>();
    private boolean warned;
    /** Server loop: changes of the open transaction, and savepoint markers, in order. */
    private final List<Object> pending = new ArrayList<>();
    private boolean failed;
    private boolean skipping;

    private record Mark(String savepoint) {
    }

    /**
     * @param client           the client's log prefix, for the warning about what cannot be made safe
     * @param reportedByServer whether PostgreSQL reports a setting itself (the parameter cache tracks those)
     */
    public SessionSettings(String client, Predicate<String> reportedByServer) {
        this.client = client;
        this.reportedByServer = reportedByServer;
    }

    /** The settings that persist for this client now, in the order they were first made; immutable. */
    public Map<String, TrackedSetting> committed() {
        return committed;
    }

    /** Whether the client's message with this tag must be read whole ({@link #onRequest}). */
    public static boolean readsRequest(byte tag) {
        return tag == 'Q' || tag == 'P' || tag == 'B' || tag == 'E' || tag == 'C' || tag == 'S' || tag == 'F';
    }

    /** Whether a server reply with this tag must be read ({@link #onReply}); ReadyForQuery always is. */
    public static boolean readsReply(byte tag) {
        return tag == 'C' || tag == 'E' || tag == 'I' || tag == 's';
    }

    /** Client loop, before the request is forwarded. {@code body} is the message after tag and length. */
    public void onRequest(byte tag, ByteBuf body) {
        switch (tag) {
            case 'Q' -> {
                String sql = PgBuf.readCString(body.duplicate());
                List<SessionCommand> commands = SessionStatements.ofQuery(sql);
                if (commands == null) {
                    if (sql.toLowerCase(Locale.ROOT).contains("set")) { // a backslash in a string is common
                        warnOnce("a query whose statements jbouncer cannot tell apart");
                    }
                    expected.add(UNKNOWN);
                } else {
                    commands.forEach(command -> expected.add(checked(command)));
                }
                expected.add(END);
            }
            case 'P' -> {
                Parse parse = Parse.decode(body.duplicate());
                SessionCommand command = checked(SessionStatements.ofParse(parse.sql()));
                remember(statements, parse.statement(), command);
            }
            case 'B' -> {
                Bind bind = Bind.decode(body.duplicate());
                remember(portals, bind.portal(), statements.getOrDefault(bind.statement(), SessionCommand.OTHER));
            }
            case 'E' -> expected.add(portals.getOrDefault(Execute.decode(body.duplicate()).portal(),
                    SessionCommand.OTHER));
            case 'C' -> {
                Close close = Close.decode(body.duplicate());
                (close.kind() == 'S' ? statements : portals).remove(close.name());
            }
            case 'S', 'F' -> expected.add(END);
            default -> { }
        }
    }

    private static void remember(Map<String, SessionCommand> names, String name, SessionCommand command) {
        if (command == SessionCommand.OTHER) {
            names.remove(name);
        } else {
            names.put(name, command);
        }
    }

    /** An unsafe statement is warned about once and otherwise runs as any other. */
    private SessionCommand checked(SessionCommand command) {
        if (command instanceof SessionCommand.Unsafe unsafe) {
            warnOnce(unsafe.what());
            return SessionCommand.OTHER;
        }
        return command;
    }

    private void warnOnce(String what) {
        if (!warned) {
            warned = true;
            Log.warning("C-%s: %s leaves session state on its server that track_session_settings cannot carry to"
                    + " the next one (warned once per client)", client, what);
        }
    }

    /**
     * Server loop, for every reply {@link #readsReply} names and every ReadyForQuery, before it is forwarded.
     *
     * @param server the settings of the server that sent it: they follow the client's committed ones
     */
    public void onReply(byte tag, ByteBuf message, AppliedSettings server) {
        switch (tag) {
            case 'C' -> {
                Object command = takeNext();
                if (command instanceof SessionCommand confirmed) {
                    confirmed(confirmed, CommandComplete.tagOf(message), server);
                }
            }
            case 'I', 's' -> takeNext();
            case 'E' -> {
                skipping = true;
                failed = true;
            }
            case 'Z' -> readyForQuery(message.getByte(message.readerIndex() + 5), server);
            default -> { }
        }
    }

    private Object takeNext() {
        Object head = expected.peek();
        if (skipping || head == null || head == END || head == UNKNOWN) {
            return null;
        }
        return expected.poll();
    }

    private void confirmed(SessionCommand command, String commandTag, AppliedSettings server) {
        if (command instanceof SessionCommand.Set set) {
            if (!set.local() && !reportedByServer.test(set.setting().key())) {
                pending.add(set);
            }
        } else if (command instanceof SessionCommand.Reset reset) {
            if (!reset.local() && !reportedByServer.test(reset.key())) {
                pending.add(reset);
            }
        } else if (command instanceof SessionCommand.ResetAll) {
            pending.add(command);
        } else if (command instanceof SessionCommand.Savepoint savepoint) {
            pending.add(new Mark(savepoint.name()));
        } else if (command instanceof SessionCommand.Release release) {
            int mark = lastMark(release.name());
            if (mark >= 0) {
                pending.subList(mark, pending.size()).removeIf(Mark.class::isInstance);
            }
        } else if (command instanceof SessionCommand.RollbackTo rollback) {
            int mark = lastMark(rollback.name());
            pending.subList(mark < 0 ? 0 : mark + 1, pending.size()).clear();
            failed = false;
        } else if (command instanceof SessionCommand.TransactionEnd) {
            if (!commandTag.startsWith("ROLLBACK")) {
                commit(server);
            }
            pending.clear();
        }
    }

    private int lastMark(String savepoint) {
        for (int i = pending.size() - 1; i >= 0; i--) {
            if (pending.get(i) instanceof Mark mark && mark.savepoint().equals(savepoint)) {
                return i;
            }
        }
        return -1;
    }

    private void readyForQuery(byte status, AppliedSettings server) {
        while (!expected.isEmpty() && expected.poll() != END) {
            // statements PostgreSQL skipped after an error, or never answered one by one
        }
        skipping = false;
        if (status == 'I') {
            if (!failed) {
                commit(server);
            }
            pending.clear();
            failed = false;
        } else if (status == 'T') {
            failed = false;
        }
    }

    /** The pending changes persist: folded onto a copy of the committed settings, which the server has now too. */
    private void commit(AppliedSettings server) {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, TrackedSetting> next = new LinkedHashMap<>(committed);
        for (Object change : pending) {
            if (change instanceof SessionCommand command) {
                apply(command, next);
            }
        }
        pending.clear();
        Map<String, TrackedSetting> settled = next.isEmpty() ? Map.of() : Collections.unmodifiableMap(next);
        committed = settled;
        server.now(settled);
    }

    /**
     * What a confirmed {@code SET}, {@code RESET}, {@code RESET ALL} or {@code DISCARD ALL} does to a session's
     * settings, as PostgreSQL does it: a new session authorization resets the role; {@code RESET ALL} leaves the
     * role and the session authorization.
     */
    static void apply(SessionCommand command, Map<String, TrackedSetting> settings) {
        if (command instanceof SessionCommand.Set set) {
            String key = set.setting().key();
            if (key.equals(TrackedSetting.SESSION_AUTHORIZATION)) {
                settings.remove(TrackedSetting.ROLE);
            }
            settings.put(key, set.setting());
        } else if (command instanceof SessionCommand.Reset reset) {
            settings.remove(reset.key());
            if (reset.key().equals(TrackedSetting.SESSION_AUTHORIZATION)) {
                settings.remove(TrackedSetting.ROLE);
            }
        } else if (command instanceof SessionCommand.ResetAll all) {
            settings.keySet().removeIf(key -> all.discard()
                    || !key.equals(TrackedSetting.ROLE) && !key.equals(TrackedSetting.SESSION_AUTHORIZATION));
        }
    }
}
