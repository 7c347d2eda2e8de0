package io.jbouncer.admin.sql;

import io.jbouncer.admin.command.ConsoleException;

/** The PostgreSQL SQLSTATEs and message shapes of the SQL subset's errors. */
final class SqlErrors {
    static final String SYNTAX_ERROR = "42601";
    static final String FEATURE_NOT_SUPPORTED = "0A000";
    static final String UNDEFINED_COLUMN = "42703";
    static final String UNDEFINED_TABLE = "42P01";
    static final String UNDEFINED_FUNCTION = "42883";
    static final String GROUPING_ERROR = "42803";
    static final String DATATYPE_MISMATCH = "42804";
    static final String INVALID_COLUMN_REFERENCE = "42P10";
    static final String INVALID_TEXT_REPRESENTATION = "22P02";

    private SqlErrors() {
    }

    static ConsoleException syntaxError(String nearToken) {
        return syntax(nearToken.isEmpty()
                ? "syntax error at end of input" : "syntax error at or near \"" + nearToken + "\"");
    }

    static ConsoleException syntax(String message) {
        return new ConsoleException(SYNTAX_ERROR, message);
    }

    static ConsoleException unsupported(String what) {
        return new ConsoleException(FEATURE_NOT_SUPPORTED, what + " is not supported by the admin console");
    }

    static ConsoleException of(String sqlState, String message) {
        return new ConsoleException(sqlState, message);
    }
}
