package io.jbouncer.admin;

import io.jbouncer.admin.command.ConsoleException;
import io.jbouncer.admin.command.ConsoleStatement;
import io.jbouncer.admin.command.Outcome;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Close;
import io.jbouncer.protocol.message.CommandComplete;
import io.jbouncer.protocol.message.Describe;
import io.jbouncer.protocol.message.EmptyQueryResponse;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.Execute;
import io.jbouncer.protocol.message.ParameterStatus;
import io.jbouncer.protocol.message.Parse;
import io.jbouncer.protocol.message.Query;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.jbouncer.protocol.message.RowDescription.Column;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One client session of the virtual {@code pgbouncer} database, after login: it reads whole frontend messages
 * and writes the replies PgBouncer 1.25.2 would send (usage.md, Admin console).
 *
 * <p><b>Beyond PgBouncer</b> (deliberate extensions, each documented in docs/admin-console.md):
 * <ol>
 * <li>The extended query protocol is accepted (Parse, Bind, Describe, Execute, Sync, Close, Flush) for
 * statements without parameters, so JDBC works without {@code preferQueryMode=simple}; PgBouncer answers
 * {@code extended query protocol not supported by admin console} and closes. Results may be requested in binary
 * per column. Execute's row limit is ignored (no PortalSuspended): the whole result is sent.</li>
 * <li>Read-only SQL over the SHOW tables ({@link io.jbouncer.admin.sql.SelectQuery}), for queries that do not
 * match PgBouncer's console grammar and start with SELECT.</li>
 * <li>{@code SET} of a parameter that is neither faked nor a pooler setting is ignored with NOTICE
 * {@code SET ignored} instead of {@code SET failed}, for drivers that set session parameters.</li>
 * <li>An empty query answers EmptyQueryResponse (PgBouncer: {@code invalid command ''}), as connection
 * validity checks expect.</li>
 * </ol>
 *
 * <p>Threading: {@link #handle} is called by one thread at a time (the connection's event loop); the delayed
 * replies of PAUSE, SUSPEND and WAIT_CLOSE arrive from any thread. Both paths hold the session's lock, and
 * messages that arrive while a reply is delayed are copied and queued, so replies keep the request order.
 * Ownership: {@link #handle} never takes ownership of its argument; every buffer given to the {@link ReplySink}
 * belongs to the sink.
 */
public final class AdminSession {
    private static final byte PARSE_COMPLETE = '1';
    private static final byte BIND_COMPLETE = '2';
    private static final byte CLOSE_COMPLETE = '3';
    private static final byte NO_DATA = 'n';
    private static final byte PARAMETER_DESCRIPTION = 't';
    private static final int HEADER_LENGTH = 5;

    /** A parsed statement; {@code statement} is null for an empty query. */
    private record Prepared(ConsoleStatement statement) {
        List<Column> columns() {
            return statement == null ? List.of() : statement.columns();
        }
    }

    /** A bound portal: the statement and the result formats the client asked for. */
    private record Portal(Prepared prepared, Bind bind) {
    }

    private final PoolerView view;
    private final ConsoleRole role;
    private final ReplySink sink;
    private final ByteBufAllocator alloc;
    private final Map<String, Prepared> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    private final Queue<ByteBuf> queued = new ArrayDeque<>();
    private ByteBuf pending;
    private boolean waiting;
    private boolean skipUntilSync;
    private boolean finished;

    public AdminSession(PoolerView view, ConsoleRole role, ReplySink sink, ByteBufAllocator alloc) {
        this.view = view;
        this.role = role;
        this.sink = sink;
        this.alloc = alloc;
    }

    public AdminSession(PoolerView view, ConsoleRole role, ReplySink sink) {
        this(view, role, sink, UnpooledByteBufAllocator.DEFAULT);
    }

    /**
     * Writes the console's welcome ParameterStatus messages: PgBouncer's fixed list, then the client's own
     * tracked startup parameters. {@code version} is the bare version number (e.g. {@code 1.25.2}); the
     * pooler writes BackendKeyData and ReadyForQuery after these.
     */
    public static void writeWelcomeParameters(ByteBuf out, String version, Map<String, String> clientTrackedParams) {
        new ParameterStatus("server_version", version + "/bouncer").encode(out);
        new ParameterStatus("client_encoding", "UTF8").encode(out);
        new ParameterStatus("server_encoding", "UTF8").encode(out);
        new ParameterStatus("DateStyle", "ISO").encode(out);
        new ParameterStatus("TimeZone", "GMT").encode(out);
        new ParameterStatus("standard_conforming_strings", "on").encode(out);
        new ParameterStatus("is_superuser", "on").encode(out);
        clientTrackedParams.forEach((name, value) -> new ParameterStatus(name, value).encode(out));
    }

    /** Handles one whole frontend message (tag and length included). Does not take ownership of it. */
    public synchronized void handle(ByteBuf message) {
        if (finished) {
            return;
        }
        if (waiting) {
            queued.add(alloc.buffer(message.readableBytes()).writeBytes(message, message.readerIndex(),
                    message.readableBytes()));
            return;
        }
        process(message);
    }

    private void process(ByteBuf message) {
        byte tag = message.getByte(message.readerIndex());
        ByteBuf body = message.slice(message.readerIndex() + HEADER_LENGTH, message.readableBytes() - HEADER_LENGTH);
        try {
            dispatch(tag, body);
        } catch (PgProtocolException e) {
            close(ErrorResponse.fatal(e.sqlState(), e.getMessage()));
        }
    }

    private void dispatch(byte tag, ByteBuf body) {
        switch (tag) {
            case 'Q' -> simpleQuery(Query.decode(body).sql());
            case 'X' -> {
                finished = true;
                sink.sendAndClose(takePending());
            }
            case 'S' -> sync();
            case 'H' -> flush();
            default -> {
                if (skipUntilSync) {
                    return;
                }
                switch (tag) {
                    case 'P' -> parse(Parse.decode(body));
                    case 'B' -> bind(Bind.decode(body));
                    case 'D' -> describe(Describe.decode(body));
                    case 'E' -> execute(Execute.decode(body));
                    case 'C' -> close(Close.decode(body));
                    default -> {
                        error(SqlState.PROTOCOL_VIOLATION, "unsupported packet type for admin console: " + tag);
                        close(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "bad packet"));
                    }
                }
            }
        }
    }

    private void simpleQuery(String sql) {
        Prepared prepared;
        try {
            prepared = prepare(sql);
        } catch (ConsoleException e) {
            error(e.sqlState(), e.getMessage());
            readyForQuery();
            return;
        }
        if (prepared.statement() == null) {
            EmptyQueryResponse.encode(pending());
            readyForQuery();
            return;
        }
        run(prepared.statement(), null, true);
    }

    private void parse(Parse parse) {
        try {
            statements.put(parse.statement(), prepare(parse.sql()));
            pending().writeBytes(new byte[] {PARSE_COMPLETE, 0, 0, 0, 4});
        } catch (ConsoleException e) {
            failExtended(e.sqlState(), e.getMessage());
        }
    }

    private void bind(Bind bind) {
        Prepared prepared = statements.get(bind.statement());
        if (prepared == null) {
            failExtended("26000", "prepared statement \"" + bind.statement() + "\" does not exist");
        } else if (bind.parameterCount() != 0) {
            failExtended(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + bind.parameterCount()
                    + " parameters, but prepared statement \"" + bind.statement() + "\" requires 0");
        } else {
            portals.put(bind.portal(), new Portal(prepared, bind));
            pending().writeBytes(new byte[] {BIND_COMPLETE, 0, 0, 0, 4});
        }
    }

    private void describe(Describe describe) {
        if (describe.kind() == Describe.STATEMENT) {
            Prepared prepared = statements.get(describe.name());
            if (prepared == null) {
                failExtended("26000", "prepared statement \"" + describe.name() + "\" does not exist");
                return;
            }
            pending().writeBytes(new byte[] {PARAMETER_DESCRIPTION, 0, 0, 0, 6, 0, 0});
            describeColumns(prepared.columns(), null);
        } else {
            Portal portal = portals.get(describe.name());
            if (portal == null) {
                failExtended("34000", "portal \"" + describe.name() + "\" does not exist");
                return;
            }
            describeColumns(portal.prepared().columns(), portal.bind());
        }
    }

    private void describeColumns(List<Column> columns, Bind formats) {
        if (columns.isEmpty()) {
            pending().writeBytes(new byte[] {NO_DATA, 0, 0, 0, 4});
        } else {
            ResultWriter.rowDescription(pending(), columns, formats);
        }
    }

    private void execute(Execute execute) {
        Portal portal = portals.get(execute.portal());
        if (portal == null) {
            failExtended("34000", "portal \"" + execute.portal() + "\" does not exist");
        } else if (portal.prepared().statement() == null) {
            EmptyQueryResponse.encode(pending());
        } else {
            run(portal.prepared().statement(), portal.bind(), false);
        }
    }

    private void close(Close close) {
        if (close.kind() == Describe.STATEMENT) {
            statements.remove(close.name());
        } else {
            portals.remove(close.name());
        }
        pending().writeBytes(new byte[] {CLOSE_COMPLETE, 0, 0, 0, 4});
    }

    private void sync() {
        skipUntilSync = false;
        readyForQuery();
    }

    private void flush() {
        if (pending != null) {
            sink.send(takePending());
        }
    }

    /**
     * Runs a statement. {@code simple}: a Query message (RowDescription included, ReadyForQuery after);
     * otherwise an Execute ({@code formats} from its Bind). A delayed outcome holds further messages back.
     */
    private void run(ConsoleStatement statement, Bind formats, boolean simple) {
        CompletionStage<Outcome> stage;
        try {
            stage = statement.execute(view, role);
        } catch (ConsoleException e) { // a value the query cannot handle, e.g. a non-numeric literal
            stage = CompletableFuture.completedFuture(Outcome.Failed.of(e));
        }
        waiting = true;
        stage.whenComplete((outcome, failure) -> completed(statement, formats, simple, outcome, failure));
    }

    private synchronized void completed(ConsoleStatement statement, Bind formats, boolean simple, Outcome outcome,
                                        Throwable failure) {
        waiting = false;
        if (finished) {
            return;
        }
        if (failure != null) {
            outcome = new Outcome.Failed(SqlState.PROTOCOL_VIOLATION, String.valueOf(failure.getMessage()));
        }
        if (outcome instanceof Outcome.NoReply) {
            finished = true; // immediate SHUTDOWN: the connection lives until the process exits
            releaseQueued();
            return;
        }
        writeOutcome(statement.columns(), formats, simple, outcome);
        if (simple) {
            readyForQuery();
        }
        while (!waiting && !finished && !queued.isEmpty()) {
            ByteBuf next = queued.poll();
            try {
                process(next);
            } finally {
                next.release();
            }
        }
    }

    private void writeOutcome(List<Column> columns, Bind formats, boolean simple, Outcome outcome) {
        ByteBuf out = pending();
        if (outcome instanceof Outcome.Rows rows) {
            if (simple) {
                ResultWriter.rowDescription(out, columns, null);
            }
            ResultWriter.dataRows(out, columns, rows.rows(), formats);
            CommandComplete.encode(out, rows.tag());
        } else if (outcome instanceof Outcome.Done done) {
            if (done.notice() != null) {
                done.notice().encodeAsNotice(out);
            }
            CommandComplete.encode(out, done.tag());
        } else if (outcome instanceof Outcome.Failed failed) {
            if (simple) {
                error(failed.sqlState(), failed.message());
            } else {
                failExtended(failed.sqlState(), failed.message());
            }
        }
    }

    private Prepared prepare(String sql) {
        Optional<ConsoleStatement> statement = StatementParser.parse(sql);
        return new Prepared(statement.orElse(null));
    }

    /** An error inside an extended-protocol batch: messages up to the next Sync are skipped. */
    private void failExtended(String sqlState, String message) {
        error(sqlState, message);
        skipUntilSync = true;
    }

    private void error(String sqlState, String message) {
        ErrorResponse.error(sqlState, message).encode(pending());
    }

    private void readyForQuery() {
        ReadyForQuery.encode(pending(), ReadyForQuery.IDLE);
        sink.send(takePending());
    }

    private void close(ErrorResponse fatal) {
        fatal.encode(pending());
        finished = true;
        releaseQueued();
        sink.sendAndClose(takePending());
    }

    /**
     * The client's connection is gone: the reply being built (extended-protocol replies wait for Sync) and the
     * messages queued behind a delayed reply are released, and a delayed reply that completes later is dropped.
     */
    public synchronized void disconnected() {
        finished = true;
        releaseQueued();
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    private void releaseQueued() {
        ByteBuf next;
        while ((next = queued.poll()) != null) {
            next.release();
        }
    }

    private ByteBuf pending() {
        if (pending == null) {
            pending = alloc.buffer();
        }
        return pending;
    }

    private ByteBuf takePending() {
        ByteBuf out = pending();
        pending = null;
        return out;
    }
}
