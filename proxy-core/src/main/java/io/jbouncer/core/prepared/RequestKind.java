package io.jbouncer.core.prepared;

/**
 * The client requests whose replies a server connection must match in order, and which reply message ends each
 * (PostgreSQL's message flow). Rows, notices, ParameterDescription and COPY traffic come before the final reply and
 * end nothing.
 */
public enum RequestKind {
    PARSE("1", true),
    BIND("2", true),
    CLOSE("3", true),
    /** ParameterDescription, then RowDescription or NoData. */
    DESCRIBE_STATEMENT("Tn", true),
    DESCRIBE_PORTAL("Tn", true),
    /** CommandComplete, EmptyQueryResponse or PortalSuspended after any rows. */
    EXECUTE("CIs", true),
    SYNC("Z", false),
    /** A simple Query: any number of results and errors, then ReadyForQuery. */
    QUERY("Z", false),
    FUNCTION_CALL("Z", false);

    private final String finalTags;
    private final boolean extended;

    RequestKind(String finalTags, boolean extended) {
        this.finalTags = finalTags;
        this.extended = extended;
    }

    /** Whether a reply with {@code tag} is the last one of this request (an ErrorResponse aside). */
    public boolean isFinalReply(byte tag) {
        return finalTags.indexOf(tag) >= 0;
    }

    /**
     * Whether this is an extended-protocol message: an ErrorResponse is then its final reply, and PostgreSQL
     * skips every later message up to the next Sync. After a Query, Sync or FunctionCall an error is one reply
     * among others before ReadyForQuery.
     */
    public boolean isExtended() {
        return extended;
    }

    /** Whether ReadyForQuery is this request's reply. */
    public boolean endsWithReadyForQuery() {
        return !extended;
    }
}
