package io.jbouncer.core.auth;

import io.jbouncer.core.config.AuthType;
import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.auth.CleartextAuth;
import io.jbouncer.protocol.auth.Md5Auth;
import io.jbouncer.protocol.auth.ScramException;
import io.jbouncer.protocol.auth.ScramServer;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.Authentication;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/**
 * The server side of one client login, with PgBouncer's rules (config.md auth_type):
 * <ul>
 *   <li>{@code any} accepts; {@code trust} accepts known users only;</li>
 *   <li>{@code plain} checks a cleartext password against any stored form;</li>
 *   <li>{@code md5} checks a salted MD5 answer against a plain or MD5 secret, and silently switches to SCRAM when the
 *       stored secret is SCRAM;</li>
 *   <li>{@code scram-sha-256} offers {@code SCRAM-SHA-256}, and over TLS also {@code SCRAM-SHA-256-PLUS}
 *       (tls-server-end-point channel binding, beyond PgBouncer, which cannot serve {@code channel_binding=require}
 *       clients); a plain secret is turned into a verifier at its user's first SCRAM login
 *       ({@link PlainScramVerifiers}); an MD5 secret cannot work.</li>
 * </ul>
 * An unknown user ({@code secret == null}) goes through the same exchange — SCRAM with a deterministic mock salt —
 * and is refused with the same text as a wrong password, so nothing reveals which users exist. An empty stored
 * password never passes.
 *
 * <p>Not thread-safe: one instance per login, used on the client's event loop.
 */
public final class ClientAuthenticator {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Process-wide: a plain password's SCRAM verifier is derived at its user's first SCRAM login only. */
    private static final PlainScramVerifiers PLAIN_VERIFIERS = new PlainScramVerifiers(RANDOM);
    private static final String PASSWORD_FAILED = "password authentication failed";
    private static final String SASL_FAILED = "SASL authentication failed";

    private final AuthType method;
    private final String user;
    private final StoredSecret secret;
    private final int scramIterations;
    private final byte[] mockKey;
    /** The tls-server-end-point hash of the client's TLS connection; {@code null} without TLS (no PLUS). */
    private final byte[] tlsServerEndPoint;
    private byte[] md5Salt;
    private ScramServer scram;

    /**
     * @param configured      {@code auth_type}
     * @param secret          the user's stored secret, or {@code null} for an unknown user
     * @param scramIterations {@code scram_iterations}, for verifiers derived from plain secrets
     * @param mockKey         process-wide random key that makes mock salts stable per user name
     * @param tlsServerEndPoint channel-binding data of the client's TLS connection, {@code null} without TLS
     */
    public ClientAuthenticator(AuthType configured, String user, StoredSecret secret, int scramIterations,
                               byte[] mockKey, byte[] tlsServerEndPoint) {
        this.method = configured == AuthType.MD5 && secret instanceof StoredSecret.Scram
                ? AuthType.SCRAM_SHA_256 : configured;
        this.user = user;
        this.secret = secret;
        this.scramIterations = scramIterations;
        this.mockKey = mockKey;
        this.tlsServerEndPoint = tlsServerEndPoint;
    }

    /** The first step: accept or refuse at once, or challenge the client. */
    public AuthStep start(ByteBufAllocator alloc) {
        ByteBuf request = alloc.buffer(32);
        switch (method) {
            case ANY -> {
                request.release();
                return AuthStep.Accepted.PLAIN;
            }
            case TRUST -> {
                request.release();
                return secret != null ? AuthStep.Accepted.PLAIN
                        : new AuthStep.Refused("\"trust\" authentication failed");
            }
            case PLAIN -> Authentication.encodeCleartextPassword(request);
            case MD5 -> {
                md5Salt = new byte[4];
                RANDOM.nextBytes(md5Salt);
                Authentication.encodeMd5Password(request, md5Salt);
            }
            case SCRAM_SHA_256 -> Authentication.encodeSasl(request, tlsServerEndPoint == null
                    ? List.of(ScramServer.MECHANISM) : List.of(ScramServer.MECHANISM_PLUS, ScramServer.MECHANISM));
            default -> {
                request.release();
                return new AuthStep.Refused("login rejected");
            }
        }
        return new AuthStep.Challenge(request);
    }

    /**
     * Handles the body of a PasswordMessage / SASLInitialResponse / SASLResponse ('p').
     *
     * @throws PgProtocolException for a message cut short (the client gets an ErrorResponse and is closed)
     */
    public AuthStep onPasswordMessage(ByteBuf body, ByteBufAllocator alloc) {
        return switch (method) {
            case PLAIN -> verifyCleartext(PgBuf.readCString(body));
            case MD5 -> verifyMd5(PgBuf.readCString(body));
            case SCRAM_SHA_256 -> scram == null ? saslInitial(body, alloc) : saslFinal(body, alloc);
            default -> new AuthStep.Refused("login rejected");
        };
    }

    private AuthStep verifyCleartext(String password) {
        boolean ok = secret != null && CleartextAuth.verify(secret, user, password);
        return ok ? AuthStep.Accepted.PLAIN : new AuthStep.Refused(PASSWORD_FAILED);
    }

    private AuthStep verifyMd5(String response) {
        boolean ok = secret != null && !(secret instanceof StoredSecret.Scram)
                && Md5Auth.verify(secret, user, md5Salt, response);
        return ok ? AuthStep.Accepted.PLAIN : new AuthStep.Refused(PASSWORD_FAILED);
    }

    private AuthStep saslInitial(ByteBuf body, ByteBufAllocator alloc) {
        String mechanism = PgBuf.readCString(body);
        boolean plus = tlsServerEndPoint != null && ScramServer.MECHANISM_PLUS.equals(mechanism);
        if (!plus && !ScramServer.MECHANISM.equals(mechanism)) {
            return new AuthStep.Refused("client selected an invalid SASL authentication mechanism");
        }
        if (body.readableBytes() < 4) { // cut short after the mechanism: PgBouncer's "malformed SASL message"
            throw new PgProtocolException("malformed SASL message");
        }
        int length = body.readInt();
        if (length < 0 || length > body.readableBytes()) {
            return new AuthStep.Refused(SASL_FAILED);
        }
        String clientFirst = body.readCharSequence(length, StandardCharsets.UTF_8).toString();
        scram = usableForScram()
                ? ScramServer.forSecret(scramVerifier(), scramIterations, RANDOM)
                : ScramServer.forUnknownUser(user, mockKey, RANDOM);
        if (tlsServerEndPoint != null) {
            scram.offerChannelBinding(tlsServerEndPoint, plus);
        }
        try {
            String serverFirst = scram.handleClientFirst(clientFirst); // before the buffer: it throws on bad input
            ByteBuf reply = alloc.buffer(128);
            Authentication.encodeSaslContinue(reply, serverFirst);
            return new AuthStep.Challenge(reply);
        } catch (ScramException e) {
            return new AuthStep.Refused(SASL_FAILED);
        }
    }

    private AuthStep saslFinal(ByteBuf body, ByteBufAllocator alloc) {
        String clientFinal = body.toString(StandardCharsets.UTF_8);
        if (!usableForScram()) {
            return new AuthStep.Refused(SASL_FAILED);
        }
        try {
            String serverFinal = scram.handleClientFinal(clientFinal);
            ByteBuf last = alloc.buffer(64);
            Authentication.encodeSaslFinal(last, serverFinal);
            byte[] clientKey = secret instanceof StoredSecret.Scram ? scram.clientKey() : null;
            return new AuthStep.Accepted(last, clientKey);
        } catch (ScramException e) {
            return new AuthStep.Refused(SASL_FAILED);
        }
    }

    /** The stored SCRAM secret, or the (once derived) verifier of a plain one. */
    private StoredSecret scramVerifier() {
        return secret instanceof StoredSecret.Plain plain ? PLAIN_VERIFIERS.of(user, plain, scramIterations) : secret;
    }

    /** MD5 secrets cannot answer SCRAM, and an empty plain password never passes. */
    private boolean usableForScram() {
        if (secret instanceof StoredSecret.Plain plain) {
            return !plain.password().isEmpty();
        }
        return secret instanceof StoredSecret.Scram;
    }
}
