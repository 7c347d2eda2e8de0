package io.jbouncer.core.prepared;

import io.jbouncer.core.stats.PoolStats;
import io.jbouncer.protocol.PacketScanner;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Close;
import io.jbouncer.protocol.message.Describe;
import io.jbouncer.protocol.message.Parse;
import io.netty.buffer.ByteBuf;

/**
 * Prepared-statement tracking of a linked client's requests in transaction and statement mode (config.md): which
 * messages must be read, and how a named Parse, Bind, Describe or Close is rewritten for the server. Stateless; the
 * state lives in the client's {@link ClientStatements} and the server's {@link ServerStatements}.
 */
public final class StatementRewriter {
    private StatementRewriter() {
    }

    /**
     * Decides on a message header what the scanner does with it. A request that may name a prepared statement is
     * inspected unless its name is visibly empty; every other request is recorded as expecting its reply and
     * forwarded unread.
     *
     * @param buffer the client's buffer, its reader index at the message's type byte (as the scanner offers it)
     */
    public static PacketScanner.Action classify(ServerStatements tracked, byte tag, ByteBuf buffer) {
        RequestKind kind = switch (tag) {
            case 'P' -> unnamedAt(buffer, 0) ? RequestKind.PARSE : null;
            case 'B' -> unnamedAt(buffer, 0) && unnamedAt(buffer, 1) ? RequestKind.BIND : null;
            case 'D' -> portalOrUnnamedStatement(buffer, RequestKind.DESCRIBE_PORTAL, RequestKind.DESCRIBE_STATEMENT);
            case 'C' -> portalOrUnnamedStatement(buffer, RequestKind.CLOSE, RequestKind.CLOSE);
            default -> null;
        };
        if (kind == null && (tag == 'P' || tag == 'B' || tag == 'D' || tag == 'C')) {
            return PacketScanner.Action.INSPECT;
        }
        if (kind == null) {
            kind = switch (tag) {
                case 'E' -> RequestKind.EXECUTE;
                case 'S' -> RequestKind.SYNC;
                case 'Q' -> RequestKind.QUERY;
                case 'F' -> RequestKind.FUNCTION_CALL;
                default -> null; // Flush and COPY traffic get no reply of their own
            };
        }
        if (kind != null) {
            tracked.expect(kind);
        }
        return PacketScanner.Action.FORWARD;
    }

    /**
     * An inspected Parse, Bind, Describe or Close: the client's statement name is mapped to jbouncer's, the server
     * gets what it lacks first (a hidden Parse), and a Close of a statement only forgets the client's mapping.
     *
     * @param body the message body (after type and length)
     * @param out  receives what goes to the server instead of the message (possibly nothing)
     * @return {@code true} when the message goes to the server unchanged and {@code out} stays empty
     * @throws PgProtocolException with PgBouncer's FATAL text for a name in use or unknown
     */
    public static boolean rewrite(ClientStatements statements, ServerStatements tracked, PoolStats stats, byte tag,
                                  ByteBuf body, ByteBuf out) {
        switch (tag) {
            case 'P' -> {
                Parse parse = Parse.decode(body.duplicate());
                if (parse.statement().isEmpty()) {
                    tracked.expect(RequestKind.PARSE);
                    return true;
                }
                stats.clientParsed();
                SharedStatement statement = statements.register(parse.statement(),
                        new StatementText(parse.sql(), parse.parameterTypes()));
                tracked.parse(parse.statement(), statement, out);
            }
            case 'B' -> {
                String name = Bind.decode(body.duplicate()).statement();
                if (name.isEmpty()) {
                    tracked.expect(RequestKind.BIND);
                    return true;
                }
                SharedStatement statement = statements.lookup(name);
                stats.bound();
                tracked.prepare(statement, out);
                Bind.encodeRenamed(body, statement.serverName(), out);
                tracked.expectBind(statement);
            }
            case 'D' -> {
                Describe describe = Describe.decode(body.duplicate());
                if (describe.kind() == Describe.PORTAL || describe.name().isEmpty()) {
                    tracked.expect(describe.kind() == Describe.PORTAL
                            ? RequestKind.DESCRIBE_PORTAL : RequestKind.DESCRIBE_STATEMENT);
                    return true;
                }
                SharedStatement statement = statements.lookup(describe.name());
                tracked.prepare(statement, out);
                new Describe(Describe.STATEMENT, statement.serverName()).encode(out);
                tracked.expect(RequestKind.DESCRIBE_STATEMENT);
            }
            default -> {
                Close close = Close.decode(body.duplicate());
                if (close.kind() == Describe.PORTAL || close.name().isEmpty()) {
                    tracked.expect(RequestKind.CLOSE);
                    return true;
                }
                statements.close(close.name());
                tracked.synthesize(RequestKind.CLOSE);
            }
        }
        return false;
    }

    /**
     * Whether body byte {@code index} of the message at the scan position is buffered and is a NUL, i.e. an empty
     * name.
     */
    private static boolean unnamedAt(ByteBuf buffer, int index) {
        int at = buffer.readerIndex() + 5 + index;
        return at < buffer.writerIndex() && buffer.getByte(at) == 0;
    }

    /** For Describe and Close: the kind of a portal or unnamed-statement request, {@code null} when unknown yet. */
    private static RequestKind portalOrUnnamedStatement(ByteBuf buffer, RequestKind portal, RequestKind statement) {
        int at = buffer.readerIndex() + 5;
        if (at < buffer.writerIndex() && buffer.getByte(at) == Describe.PORTAL) {
            return portal;
        }
        return unnamedAt(buffer, 1) ? statement : null;
    }
}
