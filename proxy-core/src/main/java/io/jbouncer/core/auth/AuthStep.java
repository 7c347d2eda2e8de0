package io.jbouncer.core.auth;

import io.netty.buffer.ByteBuf;

/** The outcome of one step of a client login: send a request, accept, or refuse. */
public sealed interface AuthStep {
    /** Send {@code message} (an Authentication request; ownership passes to the caller) and wait for the answer. */
    record Challenge(ByteBuf message) implements AuthStep { }

    /**
     * The client proved who it is. {@code lastMessage} (nullable; ownership passes to the caller) must be sent
     * before AuthenticationOk — SCRAM's AuthenticationSASLFinal. {@code scramClientKey} is the ClientKey recovered
     * from a SCRAM proof against a stored SCRAM secret (usable to log in to PostgreSQL by pass-through), else
     * {@code null}.
     */
    record Accepted(ByteBuf lastMessage, byte[] scramClientKey) implements AuthStep {
        static final Accepted PLAIN = new Accepted(null, null);
    }

    /** Refused with PgBouncer's text, e.g. {@code password authentication failed}. */
    record Refused(String message) implements AuthStep { }
}
