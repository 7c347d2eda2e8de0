package io.jbouncer.core.session;

import io.jbouncer.core.sql.SqlTokens;
import io.jbouncer.core.sql.SqlTokens.Kind;
import io.jbouncer.core.sql.SqlTokens.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a simple Query's text (or a Parse's) statement by statement and says what each does to the session
 * settings: PostgreSQL's {@code SET} grammar ({@code SET [SESSION | LOCAL] name {TO | =} value [, ...]}, {@code TO
 * DEFAULT}, {@code SET ROLE}, {@code SET SESSION AUTHORIZATION}, {@code SET SCHEMA}, {@code SET TIME ZONE},
 * {@code SET NAMES}, {@code SET XML OPTION}), {@code RESET}, {@code DISCARD ALL}, transaction ends and savepoints.
 * A statement it does not understand is {@link SessionCommand#OTHER} and passes through untouched; a {@code SET} it
 * cannot read is {@link SessionCommand.Unsafe}.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-set.html">SET</a>
 */
public final class SessionStatements {
    /** The tokens of one statement. */
    private final List<Token> tokens;
    private final int end;
    private int pos;

    private SessionStatements(List<Token> tokens) {
        this.tokens = tokens;
        this.end = tokens.size();
    }

    /**
     * The statements of a simple Query, empty ones left out as PostgreSQL does, or {@code null} when the text cannot
     * be split reliably (a backslash in a plain string, a {@code BEGIN ATOMIC} function body).
     */
    static List<SessionCommand> ofQuery(String sql) {
        SqlTokens lexed = SqlTokens.of(sql);
        if (lexed.ambiguous()) {
            return null;
        }
        List<SessionCommand> commands = new ArrayList<>();
        for (List<Token> statement : lexed.statements()) {
            SessionStatements reader = new SessionStatements(statement);
            if (reader.hasAtomicBody()) {
                return null;
            }
            commands.add(reader.statement());
        }
        return commands;
    }

    /** The one statement of a Parse; a text of several (which PostgreSQL refuses) or none reads as OTHER. */
    static SessionCommand ofParse(String sql) {
        List<SessionCommand> commands = ofQuery(sql);
        return commands != null && commands.size() == 1 ? commands.get(0) : SessionCommand.OTHER;
    }

    private boolean hasAtomicBody() {
        for (int i = 0; i + 1 < end; i++) {
            if (tokens.get(i).isWord("begin") && tokens.get(i + 1).isWord("atomic")) {
                return true;
            }
        }
        return false;
    }

    private SessionCommand statement() {
        Token first = take();
        if (first.kind() != Kind.WORD) {
            return SessionCommand.OTHER;
        }
        return switch (first.value()) {
            case "set" -> set();
            case "reset" -> reset();
            case "discard" -> accept("all") && atEnd() ? new SessionCommand.ResetAll(true) : SessionCommand.OTHER;
            case "commit", "end" -> peekWord("prepared") ? SessionCommand.OTHER : new SessionCommand.TransactionEnd();
            case "rollback", "abort" -> rollback();
            case "savepoint" -> {
                String name = savepointName();
                yield name == null ? SessionCommand.OTHER : new SessionCommand.Savepoint(name);
            }
            case "release" -> {
                accept("savepoint");
                String name = savepointName();
                yield name == null ? SessionCommand.OTHER : new SessionCommand.Release(name);
            }
            case "prepare" -> peekWord("transaction") ? new SessionCommand.TransactionEnd()
                    : new SessionCommand.Unsafe("PREPARE");
            case "declare" -> holdCursor() ? new SessionCommand.Unsafe("DECLARE ... WITH HOLD") : SessionCommand.OTHER;
            case "create" -> temporary() ? new SessionCommand.Unsafe("CREATE TEMP") : SessionCommand.OTHER;
            default -> advisoryLock() ? new SessionCommand.Unsafe("pg_advisory_lock()") : SessionCommand.OTHER;
        };
    }

    private SessionCommand set() {
        boolean local = false;
        if (accept("local")) {
            local = true;
        } else if (peekWord("session") && !peekWord(1, "authorization") && !peekWord(1, "characteristics")) {
            pos++;
        }
        if (accept("transaction") || accept("constraints")) {
            return SessionCommand.OTHER; // transaction-scoped by definition
        }
        if (accept("session")) {
            if (accept("characteristics")) {
                return new SessionCommand.Unsafe("SET SESSION CHARACTERISTICS");
            }
            accept("authorization");
            return specialSet("session_authorization", "SET SESSION AUTHORIZATION ",
                    "RESET SESSION AUTHORIZATION", local);
        }
        if (accept("role")) {
            return specialSet("role", "SET ROLE ", "RESET ROLE", local);
        }
        if (accept("schema")) {
            return specialSet("search_path", "SET SCHEMA ", "RESET search_path", local);
        }
        if (peekWord("time") && peekWord(1, "zone")) {
            pos += 2;
            return new SessionCommand.Set(new TrackedSetting("timezone", null, null, null), local);
        }
        if (accept("names")) {
            return new SessionCommand.Set(new TrackedSetting("client_encoding", null, null, null), local);
        }
        if (peekWord("xml") && peekWord(1, "option")) {
            pos += 2;
            return specialSet("xmloption", "SET XML OPTION ", "RESET xmloption", local);
        }
        int nameStart = pos;
        String name = varName();
        if (name == null) {
            return unreadableSet();
        }
        String nameSql = source(nameStart, pos);
        if (accept("from")) {
            return accept("current") && atEnd() ? new SessionCommand.Unsafe("SET ... FROM CURRENT") : unreadableSet();
        }
        if (!accept("to") && !acceptOperator('=')) {
            return unreadableSet();
        }
        if (accept("default")) {
            return atEnd() ? new SessionCommand.Reset(name, local) : unreadableSet();
        }
        String value = valueList();
        if (value == null) {
            return unreadableSet();
        }
        return new SessionCommand.Set(new TrackedSetting(name, value, "SET " + nameSql + " TO " + value,
                "RESET " + nameSql), local);
    }

    /** The rest of {@code SET ROLE x}-like forms: one value, or {@code DEFAULT} (a reset). */
    private SessionCommand specialSet(String key, String applyPrefix, String resetSql, boolean local) {
        if (!acceptOperator('=')) {
            accept("to"); // SET ROLE TO x is SET role TO x; TO is reserved, so never a role's bare name
        }
        if (accept("default") && atEnd()) {
            return new SessionCommand.Reset(key, local);
        }
        Token value = take();
        if (value == null || !atEnd() || !isValue(value.kind())) {
            return unreadableSet();
        }
        return new SessionCommand.Set(new TrackedSetting(key, value.source(), applyPrefix + value.source(),
                resetSql), local);
    }

    private static SessionCommand unreadableSet() {
        return new SessionCommand.Unsafe("a SET jbouncer cannot read");
    }

    private SessionCommand reset() {
        if (accept("all")) {
            return atEnd() ? new SessionCommand.ResetAll(false) : SessionCommand.OTHER;
        }
        if (accept("role")) {
            return atEnd() ? new SessionCommand.Reset("role", false) : SessionCommand.OTHER;
        }
        if (peekWord("session") && peekWord(1, "authorization")) {
            pos += 2;
            return atEnd() ? new SessionCommand.Reset("session_authorization", false) : SessionCommand.OTHER;
        }
        if (peekWord("time") && peekWord(1, "zone")) {
            pos += 2;
            return atEnd() ? new SessionCommand.Reset("timezone", false) : SessionCommand.OTHER;
        }
        if (accept("transaction")) {
            return SessionCommand.OTHER;
        }
        String name = varName();
        return name != null && atEnd() ? new SessionCommand.Reset(name, false) : SessionCommand.OTHER;
    }

    private SessionCommand rollback() {
        if (peekWord("prepared")) {
            return SessionCommand.OTHER;
        }
        if (!accept("work")) {
            accept("transaction");
        }
        if (accept("to")) {
            accept("savepoint");
            String name = savepointName();
            return name == null ? SessionCommand.OTHER : new SessionCommand.RollbackTo(name);
        }
        return new SessionCommand.TransactionEnd();
    }

    /** {@code name[.name...]}, case-folded, or {@code null}. */
    private String varName() {
        StringBuilder name = new StringBuilder();
        while (true) {
            Token part = take();
            if (part == null || part.kind() != Kind.WORD && part.kind() != Kind.QUOTED_IDENT) {
                return null;
            }
            name.append(part.kind() == Kind.WORD ? part.value() : part.value().toLowerCase(Locale.ROOT));
            if (!acceptOperator('.')) {
                return name.toString();
            }
            name.append('.');
        }
    }

    /**
     * {@code value [, ...]} to the end of the statement, each a string, a word, a quoted identifier or an optionally
     * signed number, as the client wrote them; {@code null} for anything else.
     */
    private String valueList() {
        StringBuilder value = new StringBuilder();
        while (true) {
            String sign = acceptOperator('-') ? "-" : acceptOperator('+') ? "+" : "";
            Token item = take();
            if (item == null || !isValue(item.kind()) || !sign.isEmpty() && item.kind() != Kind.NUMBER) {
                return null;
            }
            value.append(sign).append(item.source());
            if (atEnd()) {
                return value.toString();
            }
            if (!acceptOperator(',')) {
                return null;
            }
            value.append(", ");
        }
    }

    private static boolean isValue(Kind kind) {
        return kind == Kind.STRING || kind == Kind.WORD || kind == Kind.QUOTED_IDENT || kind == Kind.NUMBER;
    }

    private String savepointName() {
        Token name = take();
        if (name == null || !atEnd()) {
            return null;
        }
        return switch (name.kind()) {
            case WORD, QUOTED_IDENT -> name.value();
            default -> null;
        };
    }

    /** {@code DECLARE name ... WITH HOLD ... CURSOR}. */
    private boolean holdCursor() {
        for (int i = pos; i + 1 < end; i++) {
            if (tokens.get(i).isWord("with") && tokens.get(i + 1).isWord("hold")) {
                return true;
            }
            if (tokens.get(i).isWord("for")) {
                return false;
            }
        }
        return false;
    }

    /** {@code CREATE [GLOBAL | LOCAL] {TEMP | TEMPORARY} ...}. */
    private boolean temporary() {
        accept("global");
        accept("local");
        return accept("temp") || accept("temporary");
    }

    /** A call of a session-level advisory lock function ({@code pg_advisory_xact_lock} and friends are safe). */
    private boolean advisoryLock() {
        for (int i = pos; i + 1 < end; i++) {
            Token token = tokens.get(i);
            if (token.kind() == Kind.WORD && token.value().startsWith("pg_")
                    && (token.value().equals("pg_advisory_lock") || token.value().equals("pg_advisory_lock_shared")
                    || token.value().equals("pg_try_advisory_lock")
                    || token.value().equals("pg_try_advisory_lock_shared"))
                    && tokens.get(i + 1).isOperator('(')) {
                return true;
            }
        }
        return false;
    }

    private Token take() {
        return pos < end ? tokens.get(pos++) : null;
    }

    private boolean atEnd() {
        return pos >= end;
    }

    private boolean peekWord(String word) {
        return peekWord(0, word);
    }

    private boolean peekWord(int ahead, String word) {
        return pos + ahead < end && tokens.get(pos + ahead).isWord(word);
    }

    private boolean accept(String word) {
        if (peekWord(word)) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean acceptOperator(char c) {
        if (pos < end && tokens.get(pos).isOperator(c)) {
            pos++;
            return true;
        }
        return false;
    }

    /** The source of tokens {@code [from, to)} joined without the comments and spacing between them. */
    private String source(int from, int to) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < to; i++) {
            text.append(tokens.get(i).source());
        }
        return text.toString();
    }
}
