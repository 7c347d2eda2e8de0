package io.jbouncer.admin.command;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.admin.PoolerView;
import io.jbouncer.admin.ShutdownMode;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin-only control commands of PgBouncer usage.md (RELOAD, PAUSE, RESUME, SUSPEND, DISABLE, ENABLE,
 * RECONNECT, KILL, KILL_CLIENT, WAIT_CLOSE, SHUTDOWN). The checks run in PgBouncer's order: the argument checks
 * that PgBouncer makes before the permission check (RELOAD, SUSPEND and SHUTDOWN reject any argument with
 * {@code invalid command}) come first. The command tag is the command word in upper case.
 */
record ControlCommand(Verb verb, String arg, String query) implements ConsoleStatement {
    /** {@code sscanf("%llu")}: optional blanks and sign, then digits; anything may follow. */
    private static final Pattern CLIENT_ID = Pattern.compile("^[ \\t\\n\\r]*([+-]?)([0-9]+)");

    /** The control command words. */
    enum Verb {
        RELOAD, PAUSE, RESUME, SUSPEND, DISABLE, ENABLE, RECONNECT, KILL, KILL_CLIENT, WAIT_CLOSE, SHUTDOWN;

        static Verb find(String word) {
            for (Verb verb : values()) {
                if (verb.name().equalsIgnoreCase(word)) {
                    return verb;
                }
            }
            return null;
        }
    }

    /** Argument checks made before the permission check; throws the {@code invalid command} error. */
    ControlCommand {
        boolean argumentless = verb == Verb.RELOAD || verb == Verb.SUSPEND;
        if (argumentless && !arg.isEmpty() || verb == Verb.SHUTDOWN && !arg.isEmpty() && shutdownMode(arg) == null) {
            throw ConsoleGrammar.invalidCommand(query);
        }
    }

    static Outcome.Failed protocolError(String message) {
        return new Outcome.Failed(SqlState.PROTOCOL_VIOLATION, message);
    }

    @Override
    public List<Column> columns() {
        return List.of();
    }

    @Override
    public CompletionStage<Outcome> execute(PoolerView view, ConsoleRole role) {
        if (role != ConsoleRole.ADMIN) {
            return failed(ShowCommand.ADMIN_ACCESS_NEEDED);
        }
        String dbOrNull = arg.isEmpty() ? null : arg;
        return switch (verb) {
            case RELOAD -> view.reload().thenApply(error -> error == null
                    ? done() : new Outcome.Failed(SqlState.CONFIG_FILE_ERROR, error));
            case PAUSE -> reply(view.pause(dbOrNull));
            case RESUME -> reply(view.resume(dbOrNull));
            case SUSPEND -> reply(view.suspend());
            case DISABLE -> dbOrNull == null ? failed("a database is required") : reply(view.disable(arg));
            case ENABLE -> dbOrNull == null ? failed("a database is required") : reply(view.enable(arg));
            case RECONNECT -> reply(view.reconnect(dbOrNull));
            case KILL -> reply(view.kill(dbOrNull));
            case KILL_CLIENT -> killClient(view);
            case WAIT_CLOSE -> reply(view.waitClose(dbOrNull));
            case SHUTDOWN -> shutdown(view);
        };
    }

    private CompletionStage<Outcome> killClient(PoolerView view) {
        Matcher matcher = CLIENT_ID.matcher(arg);
        if (!matcher.find()) {
            return failed("invalid client pointer supplied");
        }
        long id;
        try {
            id = Long.parseUnsignedLong(matcher.group(2));
        } catch (NumberFormatException tooLarge) {
            id = -1L; // sscanf saturates at ULLONG_MAX, which no client has
        }
        return reply(view.killClient(matcher.group(1).equals("-") ? -id : id));
    }

    private CompletionStage<Outcome> shutdown(PoolerView view) {
        ShutdownMode mode = arg.isEmpty() ? ShutdownMode.IMMEDIATE : shutdownMode(arg);
        view.shutdown(mode);
        return CompletableFuture.completedFuture(mode == ShutdownMode.IMMEDIATE ? new Outcome.NoReply() : done());
    }

    private static ShutdownMode shutdownMode(String arg) {
        return switch (arg.toUpperCase(Locale.ROOT)) {
            case "WAIT_FOR_SERVERS" -> ShutdownMode.WAIT_FOR_SERVERS;
            case "WAIT_FOR_CLIENTS" -> ShutdownMode.WAIT_FOR_CLIENTS;
            default -> null;
        };
    }

    private CompletionStage<Outcome> reply(CompletionStage<String> result) {
        return result.thenApply(error -> error == null ? done() : protocolError(error));
    }

    private Outcome done() {
        return new Outcome.Done(verb.name());
    }

    private static CompletionStage<Outcome> failed(String message) {
        return CompletableFuture.completedFuture(protocolError(message));
    }
}
