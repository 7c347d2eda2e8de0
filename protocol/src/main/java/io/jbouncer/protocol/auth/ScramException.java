package io.jbouncer.protocol.auth;

/**
 * A SCRAM-SHA-256 exchange failed: a malformed or out-of-spec message, a wrong proof, or a wrong server signature.
 *
 * <p>The message names the broken rule and is safe to log: it never contains a password, key, proof or signature.
 * Clients are not shown it; the pooler answers {@code SASL authentication failed} whatever the cause.
 */
public final class ScramException extends Exception {
    private static final long serialVersionUID = 1L;

    public ScramException(String message) {
        super(message);
    }
}
