package io.jbouncer.core.server;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.auth.Md5Auth;
import io.jbouncer.protocol.auth.ScramClient;
import io.jbouncer.protocol.auth.ScramException;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.Authentication;
import io.jbouncer.protocol.message.BackendKeyData;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.NegotiateProtocolVersion;
import io.jbouncer.protocol.message.ParameterStatus;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pooler's side of logging in to PostgreSQL: answers the authentication request with the credentials it has
 * and collects ParameterStatus and BackendKeyData until the first ReadyForQuery. No Netty channel here: the
 * handler feeds whole messages and writes what this returns.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP">Start-up</a>
 */
final class ServerLogin {

    /** Raised when login cannot go on; {@code serverError} is set when PostgreSQL itself refused. */
    static final class LoginFailure extends Exception {
        final ErrorResponse serverError;

        LoginFailure(String reason, ErrorResponse serverError) {
            super(reason);
            this.serverError = serverError;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServerCredentials credentials;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private BackendKeyData backendKey;
    private ScramClient scram;
    /** The minor protocol version the connection speaks: asked for 3.2, lowered by a NegotiateProtocolVersion. */
    private int protocolMinor = StartupMessage.LATEST_MINOR;

    ServerLogin(ServerCredentials credentials) {
        this.credentials = credentials;
    }

    Map<String, String> parameters() {
        return parameters;
    }

    /** The server's cancel key: 8 bytes from a 3.0 server, a long key (PostgreSQL 18: 36 bytes) over 3.2. */
    BackendKeyData backendKey() {
        return backendKey;
    }

    int protocolMinor() {
        return protocolMinor;
    }

    /**
     * Handles one whole backend message (tag included). Returns a reply to send (owned by the caller) or
     * {@code null}.
     *
     * @return the reply, or {@code null}
     * @throws LoginFailure when PostgreSQL refuses or the credentials cannot answer its request
     */
    ByteBuf handle(byte tag, ByteBuf message, ByteBufAllocator alloc) throws LoginFailure {
        ByteBuf body = PgBuf.body(message);
        switch (tag) {
            case 'R':
                return authenticate(body, alloc);
            case 'S':
                ParameterStatus status = ParameterStatus.decode(body);
                parameters.put(status.name(), status.value());
                return null;
            case 'K':
                backendKey = BackendKeyData.decode(body);
                return null;
            case 'E':
                ErrorResponse error = ErrorResponse.decode(body);
                throw new LoginFailure(error.severity() + " " + error.message(), error);
            case 'v':
                negotiated(NegotiateProtocolVersion.decode(body));
                return null;
            case 'N':
                return null; // notices need no answer
            default:
                throw new LoginFailure("unexpected message during login: '" + (char) tag + "'", null);
        }
    }

    /**
     * A server older than PostgreSQL 18 answers our 3.2 StartupMessage with the version it speaks (3.0) and goes on
     * with it; that only changes the length of its BackendKeyData. Anything above what we asked for, below 3.0, or
     * an option we never sent is a broken server.
     */
    private void negotiated(NegotiateProtocolVersion answer) throws LoginFailure {
        if (answer.majorVersion() != StartupMessage.PROTOCOL_3 || answer.minorVersion() > protocolMinor
                || !answer.unrecognizedOptions().isEmpty()) {
            throw new LoginFailure("invalid protocol negotiation: server answered " + answer.majorVersion() + "."
                    + answer.minorVersion() + " " + answer.unrecognizedOptions(), null);
        }
        protocolMinor = answer.minorVersion();
    }

    private ByteBuf authenticate(ByteBuf body, ByteBufAllocator alloc) throws LoginFailure {
        int code = body.readInt();
        try {
            return switch (code) {
                case Authentication.OK -> null;
                case Authentication.CLEARTEXT_PASSWORD -> passwordMessage(alloc, plainPassword());
                case Authentication.MD5_PASSWORD -> {
                    byte[] salt = new byte[4];
                    body.readBytes(salt);
                    yield passwordMessage(alloc, Md5Auth.saltedResponse(md5Hash(), salt));
                }
                case Authentication.SASL -> saslInitial(body, alloc);
                case Authentication.SASL_CONTINUE -> saslMessage(alloc, scram().handleServerFirst(remaining(body)));
                case Authentication.SASL_FINAL -> {
                    scram().verifyServerFinal(remaining(body));
                    yield null;
                }
                default -> throw new LoginFailure("unsupported authentication request " + code, null);
            };
        } catch (ScramException e) {
            throw new LoginFailure(e.getMessage(), null);
        }
    }

    private ByteBuf saslInitial(ByteBuf body, ByteBufAllocator alloc) throws LoginFailure {
        boolean offered = false;
        while (body.isReadable() && body.getByte(body.readerIndex()) != 0) {
            offered |= "SCRAM-SHA-256".equals(PgBuf.readCString(body));
        }
        if (!offered) {
            throw new LoginFailure("none of the server's SASL authentication mechanisms are supported", null);
        }
        scram = newScramClient();
        ByteBuf out = alloc.buffer();
        int len = PgBuf.beginMessage(out, 'p');
        PgBuf.writeCString(out, "SCRAM-SHA-256");
        byte[] first = scram.clientFirstMessage().getBytes(StandardCharsets.UTF_8);
        out.writeInt(first.length);
        out.writeBytes(first);
        PgBuf.endMessage(out, len);
        return out;
    }

    private ScramClient newScramClient() throws LoginFailure {
        StoredSecret secret = credentials.secret();
        if (secret instanceof StoredSecret.Plain plain) {
            return new ScramClient(plain.password(), RANDOM);
        }
        if (secret instanceof StoredSecret.Scram stored && credentials.clientKey() != null) {
            return ScramClient.forPassThrough(stored, credentials.clientKey(), RANDOM);
        }
        throw wrongPasswordType();
    }

    private ScramClient scram() throws LoginFailure {
        if (scram == null) {
            throw new LoginFailure("SASL message before SASL start", null);
        }
        return scram;
    }

    private String plainPassword() throws LoginFailure {
        if (credentials.secret() instanceof StoredSecret.Plain plain) {
            return plain.password();
        }
        throw wrongPasswordType();
    }

    private String md5Hash() throws LoginFailure {
        StoredSecret secret = credentials.secret();
        if (secret instanceof StoredSecret.Plain plain) {
            return Md5Auth.passwordHash(credentials.user(), plain.password());
        }
        if (secret instanceof StoredSecret.Md5 md5) {
            return md5.hash();
        }
        throw wrongPasswordType();
    }

    private static LoginFailure wrongPasswordType() {
        return new LoginFailure("wrong password type", null);
    }

    private static ByteBuf passwordMessage(ByteBufAllocator alloc, String password) {
        ByteBuf out = alloc.buffer();
        int len = PgBuf.beginMessage(out, 'p');
        PgBuf.writeCString(out, password);
        PgBuf.endMessage(out, len);
        return out;
    }

    private static ByteBuf saslMessage(ByteBufAllocator alloc, String data) {
        ByteBuf out = alloc.buffer();
        int len = PgBuf.beginMessage(out, 'p');
        out.writeCharSequence(data, StandardCharsets.UTF_8);
        PgBuf.endMessage(out, len);
        return out;
    }

    private static String remaining(ByteBuf body) {
        return body.toString(StandardCharsets.UTF_8);
    }
}
