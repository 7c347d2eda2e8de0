package io.jbouncer.admin.command;

import io.jbouncer.protocol.message.ErrorResponse;
import java.util.List;

/** What running a console statement produced; the session turns it into protocol messages. */
public sealed interface Outcome {

    /** Rows of the statement's {@link ConsoleStatement#columns()} and the command tag. */
    record Rows(List<List<Object>> rows, String tag) implements Outcome {
    }

    /** Success without rows; {@code notice} (nullable) is sent before the CommandComplete. */
    record Done(String tag, ErrorResponse notice) implements Outcome {
        public Done(String tag) {
            this(tag, null);
        }
    }

    /** An ERROR; the connection is kept. */
    record Failed(String sqlState, String message) implements Outcome {
        public static Failed of(ConsoleException e) {
            return new Failed(e.sqlState(), e.getMessage());
        }
    }

    /** No reply at all (immediate SHUTDOWN: the connection stays open until the process exits). */
    record NoReply() implements Outcome {
    }
}
