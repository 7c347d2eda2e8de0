package io.jbouncer.core.prepared;

/**
 * One request sent (or pretended sent) to a server connection whose reply is still to come, in the order the
 * server answers.
 *
 * @param kind        what was sent
 * @param disposition what happens to its final reply
 * @param statement   for a Parse, a Bind or an eviction Close of one of jbouncer's statements: which one, else
 *                    {@code null}
 * @param clientName  for a client's own named Parse: the client's name for it, else {@code null}
 */
public record ExpectedReply(RequestKind kind, Disposition disposition, SharedStatement statement,
                            String clientName) {

    /** What the pooler does with the final reply of a request. */
    public enum Disposition {
        /** The client sent it: its replies go to the client. */
        FORWARD,
        /** The pooler sent it on its own (a hidden Parse, an eviction Close): its success reply is dropped. */
        SWALLOW,
        /** Never sent: the pooler writes the reply to the client itself, at this position in the stream. */
        SYNTHESIZE
    }

    static ExpectedReply forward(RequestKind kind) {
        return new ExpectedReply(kind, Disposition.FORWARD, null, null);
    }

    /**
     * Whether the server-side bookkeeping must look at this entry's success reply: anything the pooler swallows or
     * synthesises, and a client's Parse (to record it). A forwarded Bind names its statement only for the rare
     * ErrorResponse, which is always inspected.
     */
    boolean needsInspection() {
        return disposition != Disposition.FORWARD || statement != null && kind != RequestKind.BIND;
    }
}
