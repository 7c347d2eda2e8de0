package io.jbouncer.core.listen;

import io.jbouncer.core.sql.SqlTokens;
import io.jbouncer.core.sql.SqlTokens.Kind;
import io.jbouncer.core.sql.SqlTokens.Token;
import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the {@code LISTEN} and {@code UNLISTEN} statements in a query string, the way PostgreSQL's lexer sees them
 * ({@link SqlTokens}: statements split at semicolons outside quotes, comments and dollar quotes; keywords in any
 * case; unquoted channel names folded to lower case, quoted ones kept; names truncated to PostgreSQL's 63 bytes). A
 * statement that only looks like one of them ({@code LISTEN} with no name, trailing words) is left out: PostgreSQL
 * rejects it, and nothing is subscribed. So is every statement of a text with an unterminated quote or comment,
 * which PostgreSQL refuses whole.
 *
 * <p>Strings that do not contain the letters {@code listen} at all (nearly every query) are skipped after one scan.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-syntax-lexical.html">SQL syntax, lexical structure</a>
 */
public final class ListenParser {
    /** Stops at an {@code l} or {@code L}. */
    private static final ByteProcessor NOT_L = b -> (b | 0x20) != 'l';

    private ListenParser() {
    }

    /** The LISTEN/UNLISTEN statements of {@code sql}, in order; empty when there are none. */
    public static List<ListenCommand> parse(String sql) {
        if (!mentionsListen(sql)) {
            return List.of();
        }
        SqlTokens lexed = SqlTokens.of(sql);
        if (lexed.unterminated()) {
            return List.of();
        }
        List<ListenCommand> found = new ArrayList<>(1);
        for (List<Token> statement : lexed.statements()) {
            ListenCommand command = command(statement);
            if (command != null) {
                found.add(command);
            }
        }
        return found;
    }

    /**
     * The same pre-check on the raw message bytes, before anything is decoded: {@code listen} is ASCII, and in every
     * client encoding PostgreSQL accepts an ASCII letter is that byte (other bytes can only match falsely, which
     * the parser then sorts out).
     */
    public static boolean mentionsListen(ByteBuf bytes, int from, int length) {
        int last = from + length - 6;
        // forEachByte walks the buffer's memory without a bounds and liveness check per byte, as getByte makes
        for (int i = from; i <= last; ) {
            int at = bytes.forEachByte(i, last + 1 - i, NOT_L);
            if (at < 0) {
                return false;
            }
            if (matchesListen(bytes, at)) {
                return true;
            }
            i = at + 1;
        }
        return false;
    }

    private static boolean matchesListen(ByteBuf bytes, int at) {
        for (int k = 1; k < 6; k++) {
            if ((bytes.getByte(at + k) | 0x20) != "listen".charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Cheap pre-check: whether {@code listen} occurs anywhere, in any case. */
    static boolean mentionsListen(String sql) {
        int last = sql.length() - 6;
        for (int i = 0; i <= last; i++) {
            char c = sql.charAt(i);
            if ((c == 'l' || c == 'L') && sql.regionMatches(true, i, "listen", 0, 6)) {
                return true;
            }
        }
        return false;
    }

    /** {@code LISTEN name}, {@code UNLISTEN name} or {@code UNLISTEN *}; {@code null} for any other statement. */
    private static ListenCommand command(List<Token> statement) {
        if (statement.size() != 2) {
            return null;
        }
        Token verb = statement.get(0);
        Token name = statement.get(1);
        boolean listen = verb.isWord("listen");
        if (!listen && !verb.isWord("unlisten")) {
            return null;
        }
        if (name.isOperator('*')) {
            return listen ? null : ListenCommand.unlistenAll();
        }
        if (!isChannelName(name)) {
            return null;
        }
        return listen ? ListenCommand.listen(name.value()) : ListenCommand.unlisten(name.value());
    }

    /**
     * A word, or a {@code "..."} identifier that is not empty (PostgreSQL: zero-length delimited identifier); a
     * {@code U&"..."} one is not read (its escapes are not decoded).
     */
    private static boolean isChannelName(Token name) {
        return name.kind() == Kind.WORD
                || name.kind() == Kind.QUOTED_IDENT && name.source().startsWith("\"") && !name.value().isEmpty();
    }
}
