package io.jbouncer.admin.command;

import io.jbouncer.admin.ConsoleRole;
import io.jbouncer.admin.PoolerView;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.RowDescription;
import io.jbouncer.protocol.message.RowDescription.Column;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The parameters PgBouncer fakes for clients that insist on reading or setting them: SHOW answers a constant
 * (one text column named after the parameter), SET answers NOTICE {@code SET ignored} and tag {@code SET}.
 * Allowed for every console user.
 */
record FakeParameter(String name, String value) implements ConsoleStatement {
    private static final Map<String, String> VALUES = Map.of(
            "client_encoding", "UTF-8",
            "default_transaction_isolation", "read committed",
            "standard_conforming_strings", "on",
            "datestyle", "ISO",
            "timezone", "GMT",
            "extra_float_digits", "2");

    static Optional<FakeParameter> find(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        return Optional.ofNullable(VALUES.get(key)).map(value -> new FakeParameter(key, value));
    }

    /** The reply to a SET of a parameter the pooler does not own. */
    static Outcome ignoredSet() {
        return new Outcome.Done("SET", ErrorResponse.notice("SET ignored", null));
    }

    @Override
    public List<Column> columns() {
        return List.of(new Column(name, RowDescription.TEXT));
    }

    @Override
    public CompletionStage<Outcome> execute(PoolerView view, ConsoleRole role) {
        return CompletableFuture.completedFuture(new Outcome.Rows(List.of(List.of(value)), "SHOW"));
    }
}
