package io.jbouncer.admin.command;

import io.jbouncer.protocol.SqlState;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PgBouncer's console grammar (admin.c): {@code WORD [WORD] [;]} and {@code SET key =|TO value [;]},
 * case-insensitive, with the same regular expressions and the same length limits (command 15, argument or key
 * 63, value 255 characters, quotes included, else {@code bad arguments}). One statement per query.
 */
public final class ConsoleGrammar {
    private static final String WS0 = "[ \\t\\n\\r]*";
    private static final String WS1 = "[ \\t\\n\\r]+";
    /*
     * PgBouncer's expressions with possessive quantifiers: the same language, but a quoted part is matched in one
     * pass. As plain "([^"]+|"")*" a long unterminated quote made the matcher backtrack exponentially (found by
     * ConsoleFuzzTest: one query kept a thread busy for minutes), and "([^']|'')*" recursed once per character.
     */
    private static final String WORD = "(\"([^\"]++|\"\")*+\"|[0-9a-z_]++)";
    private static final String STRING = "('([^']++|'')*+')";
    private static final String END = WS0 + "(;" + WS0 + ")?";
    private static final Pattern COMMAND = compile(WS0 + WORD + "(" + WS1 + WORD + ")?" + END);
    private static final Pattern SET_STRING = compile(WS0 + "set" + WS1 + WORD + WS0 + "(=|to)" + WS0 + STRING + END);
    private static final Pattern SET_WORD = compile(WS0 + "set" + WS1 + WORD + WS0 + "(=|to)" + WS0 + WORD + END);
    private static final int COMMAND_GROUP = 1;
    private static final int ARG_GROUP = 4;
    private static final int SET_KEY_GROUP = 1;
    private static final int SET_VALUE_GROUP = 4;
    private static final int MAX_COMMAND = 16;
    private static final int MAX_ARG = 64;
    private static final int MAX_VALUE = 256;
    /** PgBouncer formats its error texts into a 1024-byte buffer. */
    private static final int MAX_ERROR = 1023;

    private ConsoleGrammar() {
    }

    /**
     * Parses {@code query} as a console command; empty if it does not match the console grammar at all (the
     * caller may then try the SQL subset).
     *
     * @throws ConsoleException for a matching query with bad arguments or an unknown command word
     */
    public static Optional<ConsoleStatement> parse(String query) {
        Matcher m = COMMAND.matcher(query);
        if (m.matches()) {
            String word = unquote(m.group(COMMAND_GROUP), MAX_COMMAND, '"');
            String arg = unquote(m.group(ARG_GROUP), MAX_ARG, '"');
            return Optional.of(command(word, arg, query));
        }
        m = SET_STRING.matcher(query);
        char valueQuote = '\'';
        if (!m.matches()) {
            m = SET_WORD.matcher(query);
            valueQuote = '"';
            if (!m.matches()) {
                return Optional.empty();
            }
        }
        String key = unquote(m.group(SET_KEY_GROUP), MAX_ARG, '"');
        if (key.isEmpty()) {
            throw badArguments();
        }
        return Optional.of(new SetCommand(key, unquote(m.group(SET_VALUE_GROUP), MAX_VALUE, valueQuote)));
    }

    /** PgBouncer's reply to a query outside its grammar. */
    public static ConsoleException invalidCommand(String query) {
        String message = "invalid command '" + query + "', use SHOW HELP;";
        return new ConsoleException(SqlState.PROTOCOL_VIOLATION,
                message.length() > MAX_ERROR ? message.substring(0, MAX_ERROR) : message);
    }

    private static ConsoleStatement command(String word, String arg, String query) {
        if (word.equalsIgnoreCase("show") || word.equalsIgnoreCase("select")) {
            return show(arg, query);
        }
        ControlCommand.Verb verb = ControlCommand.Verb.find(word);
        if (verb == null) {
            throw invalidCommand(query);
        }
        return new ControlCommand(verb, arg, query);
    }

    private static ConsoleStatement show(String arg, String query) {
        Optional<FakeParameter> fake = FakeParameter.find(arg);
        if (fake.isPresent()) {
            return fake.get();
        }
        if (arg.equalsIgnoreCase("help")) {
            return new HelpCommand();
        }
        return ShowTables.find(arg).<ConsoleStatement>map(ShowCommand::new)
                .orElseThrow(() -> invalidCommand(query));
    }

    /** PgBouncer's {@code copy_arg}: length limit on the raw text, then quotes removed and doubled quotes undone. */
    private static String unquote(String raw, int limit, char quote) {
        if (raw == null) {
            return "";
        }
        if (raw.length() >= limit) {
            throw badArguments();
        }
        if (raw.charAt(0) != quote) {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 1; i < raw.length() - 1; i++) {
            if (raw.charAt(i) == quote && raw.charAt(i + 1) == quote) {
                i++;
            }
            sb.append(raw.charAt(i));
        }
        return sb.toString();
    }

    private static ConsoleException badArguments() {
        return new ConsoleException(SqlState.PROTOCOL_VIOLATION, "bad arguments");
    }

    private static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    }
}
