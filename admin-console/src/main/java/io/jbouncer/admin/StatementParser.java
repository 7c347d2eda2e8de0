package io.jbouncer.admin;

import io.jbouncer.admin.command.ConsoleGrammar;
import io.jbouncer.admin.command.ConsoleStatement;
import io.jbouncer.admin.sql.SelectQuery;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Routes a query text: empty, then PgBouncer's console grammar (so {@code SELECT x} stays {@code SHOW x}), then
 * the SQL subset for other queries starting with SELECT, else {@code invalid command}.
 */
final class StatementParser {
    private static final Pattern EMPTY = Pattern.compile("[\\s;]*");
    private static final Pattern SELECT = Pattern.compile("\\s*select\\b.*", Pattern.DOTALL);

    private StatementParser() {
    }

    /**
     * Returns the statement, or empty for a query without a statement.
     *
     * @throws io.jbouncer.admin.command.ConsoleException when the query cannot run
     */
    static Optional<ConsoleStatement> parse(String query) {
        if (EMPTY.matcher(query).matches()) {
            return Optional.empty();
        }
        Optional<ConsoleStatement> command = ConsoleGrammar.parse(query);
        if (command.isPresent()) {
            return command;
        }
        if (SELECT.matcher(query.toLowerCase(Locale.ROOT)).matches()) {
            return Optional.of(SelectQuery.parse(query));
        }
        throw ConsoleGrammar.invalidCommand(query);
    }
}
