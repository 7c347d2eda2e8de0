package io.jbouncer.core.server;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One {@code auth_query} lookup on an idle server of the auth pool (config.md auth_query): the request it sends and the
 * reading of PostgreSQL's replies into an {@link Outcome}.
 *
 * <p>The user name travels only as the bound parameter {@code $1} of the unnamed statement (extended protocol),
 * never inside SQL text. Before the query, in the same implicit transaction (one Sync), {@code search_path} is set
 * back to the session's reset value with {@code set_config(..., is_local => true)}: a client of the auth user in a
 * transaction-pooled session may have left its own {@code search_path} on the server, and that must not pick the
 * tables or functions the query resolves. The local setting ends with the transaction, so the server goes back to
 * the pool as it came. (PgBouncer 1.25.1 fixed CVE-2025-12819 by no longer applying client parameters to this
 * connection; jbouncer never applies them to it either.)
 *
 * <p>The result must be exactly two text-like columns (name, password) and at most one row. Anything else, and any
 * ErrorResponse, is a configuration or server problem: the server is closed with a reason that is logged, and the
 * client gets PgBouncer's {@code bouncer config error}.
 *
 * <p>Server loop only, except the completion callback, which the caller hops to its own loop.
 */
public final class AuthQuery {

    /** What the lookup found. */
    public sealed interface Outcome {
        /** One row; {@code password} is {@code null} when the query returned SQL NULL (expired role). */
        record Found(String password) implements Outcome { }

        /** No row: PgBouncer answers {@code no such user}. */
        record NoSuchUser() implements Outcome { }

        /** The query could not be answered; {@code reason} is logged (the client is told nothing more). */
        record Failed(String reason) implements Outcome { }

        /** The server taken from the pool was gone before the query was sent: ask the pool again. */
        record ServerGone() implements Outcome { }
    }

    /**
     * Resets {@code search_path} for the rest of the implicit transaction; fully qualified, so it cannot be
     * redirected by the very setting it resets.
     */
    static final String PIN_SEARCH_PATH = "SELECT pg_catalog.set_config('search_path', reset_val, true)"
            + " FROM pg_catalog.pg_settings WHERE name = 'search_path'";

    /** Column types read as text: name, text, bpchar, varchar. */
    private static final Set<Integer> TEXT_TYPES = Set.of(19, 25, 1042, 1043);

    private final String sql;
    private final String user;
    private final Consumer<Outcome> done;
    /** Replies still belong to the {@link #PIN_SEARCH_PATH} statement until its CommandComplete. */
    private boolean pinning = true;
    private int rows;
    private String password;
    private boolean completed;

    /**
     * @param sql  the {@code auth_query} text, with {@code $1} for the user name
     * @param done called once with the outcome (on the server's loop)
     */
    public AuthQuery(String sql, String user, Consumer<Outcome> done) {
        this.sql = sql;
        this.user = user;
        this.done = done;
    }

    /** Parse/Bind/Execute of the pin, then Parse/Bind/Describe/Execute of the query, then one Sync. */
    ByteBuf request(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(256 + sql.length() + user.length());
        writeParse(out, PIN_SEARCH_PATH);
        writeBind(out, null);
        writeExecute(out);
        writeParse(out, sql);
        writeBind(out, user);
        int len = PgBuf.beginMessage(out, 'D');
        out.writeByte('P');
        PgBuf.writeCString(out, "");
        PgBuf.endMessage(out, len);
        writeExecute(out);
        len = PgBuf.beginMessage(out, 'S');
        PgBuf.endMessage(out, len);
        return out;
    }

    /**
     * One reply (not ParameterStatus or a notice, which the connection handles). Returns {@code null} to go on, or
     * why the server must be closed (the outcome is then {@link Outcome.Failed} with that reason).
     */
    String onMessage(byte tag, ByteBuf message) {
        ByteBuf body = PgBuf.body(message);
        switch (tag) {
            case '1', '2' -> {
                return null;
            }
            case 'D' -> {
                return pinning ? null : onDataRow(body);
            }
            case 'C' -> {
                pinning = false;
                return null;
            }
            case 'T' -> {
                return onRowDescription(body);
            }
            case 'n' -> {
                return "expected 2 columns from auth_query, not 0";
            }
            case 'E' -> {
                ErrorResponse error = ErrorResponse.decode(body);
                return "error response from auth_query: " + error.severity() + " " + error.message();
            }
            default -> {
                return "unexpected response from auth_query: '" + (char) tag + "'";
            }
        }
    }

    /** The query's ReadyForQuery: every reply was read. */
    Outcome result() {
        return rows == 0 ? new Outcome.NoSuchUser() : new Outcome.Found(password);
    }

    /** Reports the outcome; only the first call counts. */
    void complete(Outcome outcome) {
        if (!completed) {
            completed = true;
            done.accept(outcome);
        }
    }

    private static String onRowDescription(ByteBuf body) {
        int columns = body.readUnsignedShort();
        if (columns != 2) {
            return "expected 2 columns from auth_query, not " + columns;
        }
        for (int i = 0; i < columns; i++) {
            PgBuf.skipCString(body);
            body.skipBytes(4 + 2); // table oid, attribute number
            int type = body.readInt();
            body.skipBytes(2 + 4 + 2); // type size, type modifier, format
            if (!TEXT_TYPES.contains(type)) {
                return "auth_query column " + (i + 1) + " has type oid " + type + ", not a text type";
            }
        }
        return null;
    }

    private String onDataRow(ByteBuf body) {
        if (++rows > 1) {
            return "auth_query returned more than one row";
        }
        int columns = body.readUnsignedShort();
        if (columns != 2) {
            return "expected 2 columns from auth_query, not " + columns;
        }
        int nameLength = body.readInt();
        if (nameLength < 0) {
            return "auth_query response contained null user name";
        }
        body.skipBytes(nameLength); // the client's own name is used: the md5 salt and the pool are keyed by it
        int length = body.readInt();
        password = length < 0 ? null : body.readCharSequence(length, StandardCharsets.UTF_8).toString();
        return null;
    }

    private static void writeParse(ByteBuf out, String statement) {
        int len = PgBuf.beginMessage(out, 'P');
        PgBuf.writeCString(out, "");
        PgBuf.writeCString(out, statement);
        out.writeShort(0); // parameter types left to the server
        PgBuf.endMessage(out, len);
    }

    /** Bind of the unnamed statement to the unnamed portal, text formats; {@code parameter} is $1 when not null. */
    private static void writeBind(ByteBuf out, String parameter) {
        int len = PgBuf.beginMessage(out, 'B');
        PgBuf.writeCString(out, "");
        PgBuf.writeCString(out, "");
        out.writeShort(0); // parameter formats: all text
        if (parameter == null) {
            out.writeShort(0);
        } else {
            byte[] value = parameter.getBytes(StandardCharsets.UTF_8);
            out.writeShort(1);
            out.writeInt(value.length);
            out.writeBytes(value);
        }
        out.writeShort(0); // result formats: all text
        PgBuf.endMessage(out, len);
    }

    private static void writeExecute(ByteBuf out) {
        int len = PgBuf.beginMessage(out, 'E');
        PgBuf.writeCString(out, "");
        out.writeInt(0);
        PgBuf.endMessage(out, len);
    }
}
