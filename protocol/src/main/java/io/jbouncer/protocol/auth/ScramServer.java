package io.jbouncer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * The server side of one SCRAM-SHA-256 exchange (<a href="https://www.rfc-editor.org/rfc/rfc5802">RFC 5802</a>,
 * <a href="https://www.rfc-editor.org/rfc/rfc7677">RFC 7677</a>; PostgreSQL's
 * <a href="https://www.postgresql.org/docs/current/sasl-authentication.html">sasl-authentication</a>): the pooler
 * authenticating a client. Call {@link #handleClientFirst} with the SASLInitialResponse data, then
 * {@link #handleClientFinal} with the SASLResponse data. Single use and not thread-safe; any failure ends it.
 *
 * <p>Without TLS only {@code SCRAM-SHA-256} is offered: a GS2 header of {@code n,,} or {@code y,,} ("client
 * supports channel binding but thinks the server does not") is accepted, {@code p=} is rejected. Over TLS the caller
 * also offers {@value #MECHANISM_PLUS} and says so with {@link #offerChannelBinding}: a client that picks it must send
 * {@code p=tls-server-end-point} (<a href="https://www.rfc-editor.org/rfc/rfc5929">RFC 5929</a>) and prove the
 * server certificate's hash in {@code c=}; a client that picks plain SCRAM with {@code y,,} is refused, as RFC 5802
 * and PostgreSQL require (someone may have stripped the PLUS offer). An authorization identity is always rejected.
 * The user name in the message is ignored, as PostgreSQL does: the user is the one of the startup packet.
 */
public final class ScramServer {
    /** The SASL mechanism name to advertise. */
    public static final String MECHANISM = "SCRAM-SHA-256";
    /** The channel-binding variant, offered over TLS. */
    public static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
    /** The only channel binding type offered: the hash of the server certificate. */
    private static final String END_POINT_HEADER = "p=tls-server-end-point,,";
    /** Iteration count of mock secrets; PostgreSQL's default {@code scram_iterations}. */
    public static final int MOCK_ITERATIONS = 4096;

    private enum Stage { EXPECT_CLIENT_FIRST, EXPECT_CLIENT_FINAL, SUCCEEDED, FAILED }

    private final StoredSecret.Scram secret;
    /** True when the exchange must fail whatever the proof: unknown user or empty password. */
    private final boolean doomed;
    private final String serverNonce;
    private Stage stage = Stage.EXPECT_CLIENT_FIRST;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private byte[] clientKey;
    /** The tls-server-end-point data when PLUS was offered; {@code null} without TLS. */
    private byte[] channelBinding;
    /** Whether the client picked {@value #MECHANISM_PLUS}. */
    private boolean plus;

    /** For tests that need a fixed server nonce (RFC 7677 vector); production code uses the factories. */
    ScramServer(StoredSecret.Scram secret, boolean doomed, String serverNonce) {
        this.secret = Objects.requireNonNull(secret, "secret");
        this.doomed = doomed;
        this.serverNonce = serverNonce;
    }

    /**
     * An exchange against a user's stored secret. A {@link StoredSecret.Plain} password gets an ad-hoc SCRAM
     * secret with a random salt and {@code iterationsForPlain}; an empty one yields an exchange that always fails.
     *
     * @throws IllegalArgumentException for a {@link StoredSecret.Md5} secret, from which SCRAM keys cannot be
     *     derived (PgBouncer answers {@code SASL authentication failed})
     */
    public static ScramServer forSecret(StoredSecret secret, int iterationsForPlain, SecureRandom random) {
        if (secret instanceof StoredSecret.Scram scram) {
            return new ScramServer(scram, false, ScramCrypto.newNonce(random));
        }
        if (secret instanceof StoredSecret.Plain plain) {
            StoredSecret.Scram adHoc = StoredSecret.Scram.fromPassword(plain.password(), iterationsForPlain, random);
            return new ScramServer(adHoc, plain.password().isEmpty(), ScramCrypto.newNonce(random));
        }
        throw new IllegalArgumentException("SCRAM authentication is impossible with an MD5 secret");
    }

    /**
     * "Mock authentication" of a user who does not exist: the exchange runs in full so that it looks like a real
     * one, then always fails. The salt is the first 16 bytes of HMAC-SHA-256({@code mockKey}, {@code user}), so it
     * is the same for every attempt at the same name (as with a real user) yet unpredictable without the key. The
     * iteration count is {@link #MOCK_ITERATIONS}; the keys are random.
     */
    public static ScramServer forUnknownUser(String user, byte[] mockKey, SecureRandom random) {
        if (mockKey.length == 0) {
            throw new IllegalArgumentException("mockKey: empty");
        }
        byte[] salt = Arrays.copyOf(ScramCrypto.hmac(mockKey, user), ScramCrypto.SALT_LENGTH);
        StoredSecret.Scram mock = new StoredSecret.Scram(MOCK_ITERATIONS, salt,
                ScramCrypto.randomBytes(random, ScramCrypto.KEY_LENGTH),
                ScramCrypto.randomBytes(random, ScramCrypto.KEY_LENGTH));
        return new ScramServer(mock, true, ScramCrypto.newNonce(random));
    }

    /**
     * Before {@link #handleClientFirst}: the exchange runs over TLS and {@value #MECHANISM_PLUS} was offered.
     *
     * @param tlsServerEndPoint the hash of the certificate the server presented (RFC 5929)
     * @param plusSelected      whether the client's SASLInitialResponse named {@value #MECHANISM_PLUS}
     */
    public void offerChannelBinding(byte[] tlsServerEndPoint, boolean plusSelected) {
        if (stage != Stage.EXPECT_CLIENT_FIRST) {
            throw new IllegalStateException("channel binding is set before the client-first-message");
        }
        channelBinding = tlsServerEndPoint.clone();
        plus = plusSelected;
    }

    /** Validates the client-first-message and returns the server-first-message. */
    public String handleClientFirst(String clientFirstMessage) throws ScramException {
        enter(Stage.EXPECT_CLIENT_FIRST);
        int bareStart = gs2HeaderLength(clientFirstMessage);
        ScramMessageReader reader = new ScramMessageReader(clientFirstMessage, bareStart);
        if (reader.nextIs('m')) {
            throw new ScramException("mandatory SCRAM extensions (m=) are not supported");
        }
        ScramMessageReader.requireSaslName('n', reader.read('n'));
        String clientNonce = ScramMessageReader.requirePrintable('r', reader.read('r'));
        reader.skipExtensions();

        gs2Header = clientFirstMessage.substring(0, bareStart);
        clientFirstBare = clientFirstMessage.substring(bareStart);
        nonce = clientNonce + serverNonce;
        serverFirst = "r=" + nonce + ",s=" + ScramCrypto.base64(secret.salt()) + ",i=" + secret.iterations();
        stage = Stage.EXPECT_CLIENT_FINAL;
        return serverFirst;
    }

    /**
     * Validates the client-final-message and its proof, and returns the server-final-message {@code v=...}.
     *
     * @throws ScramException on a malformed message or a wrong proof (always, for a doomed exchange)
     */
    public String handleClientFinal(String clientFinalMessage) throws ScramException {
        enter(Stage.EXPECT_CLIENT_FINAL);
        ScramMessageReader reader = new ScramMessageReader(clientFinalMessage, 0);
        if (!MessageDigest.isEqual(reader.read('c').getBytes(StandardCharsets.US_ASCII), expectedBinding())) {
            throw new ScramException(plus ? "SCRAM channel binding check failed"
                    : "SCRAM channel binding (c=) does not match the GS2 header");
        }
        if (!reader.read('r').equals(nonce)) {
            throw new ScramException("SCRAM nonce in client-final-message does not match");
        }
        reader.skipExtensionsBefore('p');
        int proofStart = reader.position();
        byte[] proof = ScramCrypto.decodeBase64('p', reader.read('p'));
        if (!reader.atEnd()) {
            throw new ScramException("malformed SCRAM message: attributes after the proof");
        }
        if (proof.length != ScramCrypto.KEY_LENGTH) {
            throw new ScramException("malformed SCRAM message: client proof is not " + ScramCrypto.KEY_LENGTH
                    + " bytes");
        }

        // proofStart points after the comma that precedes "p="
        String authMessage = clientFirstBare + "," + serverFirst + ","
                + clientFinalMessage.substring(0, proofStart - 1);
        byte[] clientSignature = ScramCrypto.hmac(secret.storedKey(), authMessage);
        byte[] candidateClientKey = ScramCrypto.xor(proof, clientSignature);
        boolean proofMatches = MessageDigest.isEqual(ScramCrypto.sha256(candidateClientKey), secret.storedKey());
        if (doomed || !proofMatches) {
            throw new ScramException("SCRAM client proof is invalid");
        }
        clientKey = candidateClientKey;
        stage = Stage.SUCCEEDED;
        return "v=" + ScramCrypto.base64(ScramCrypto.hmac(secret.serverKey(), authMessage));
    }

    /**
     * The ClientKey recovered from a valid proof, for SCRAM pass-through to the server; {@code null} unless the
     * exchange succeeded. It is only reusable against a server whose secret equals the stored one, so the caller
     * should pass it through only for a stored {@link StoredSecret.Scram} secret, never for an ad-hoc one.
     */
    public byte[] clientKey() {
        return clientKey == null ? null : clientKey.clone();
    }

    /** Checks the call order and marks the exchange failed until the step completes. */
    private void enter(Stage expected) {
        if (stage != expected) {
            throw new IllegalStateException("SCRAM exchange is in stage " + stage + ", expected " + expected);
        }
        stage = Stage.FAILED;
    }

    /** The {@code c=} value due: base64 of the GS2 header, followed by the binding data under PLUS. */
    private byte[] expectedBinding() {
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        byte[] input = header;
        if (plus) {
            input = Arrays.copyOf(header, header.length + channelBinding.length);
            System.arraycopy(channelBinding, 0, input, header.length, channelBinding.length);
        }
        return ScramCrypto.base64(input).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Length of the GS2 header that starts a client-first-message: {@code p=tls-server-end-point,,} under PLUS,
     * else {@code n,,} or {@code y,,} ({@code y} only when PLUS was not offered).
     */
    private int gs2HeaderLength(String message) throws ScramException {
        char flag = message.isEmpty() ? 0 : message.charAt(0);
        if (plus) {
            if (!message.startsWith(END_POINT_HEADER)) {
                throw new ScramException(flag == 'p' ? "unsupported SCRAM channel-binding type"
                        : "SCRAM-SHA-256-PLUS selected without channel binding (p=)");
            }
            return END_POINT_HEADER.length();
        }
        if (flag == 'p') {
            throw new ScramException("SCRAM channel binding (p=) requested, but SCRAM-SHA-256-PLUS was not selected");
        }
        if (flag == 'y' && channelBinding != null) {
            throw new ScramException("SCRAM channel binding negotiation error: the client supports channel binding"
                    + " but thinks the server does not, and it does");
        }
        if ((flag != 'n' && flag != 'y') || message.length() < 3 || message.charAt(1) != ',') {
            throw new ScramException("malformed SCRAM message: invalid GS2 channel binding flag");
        }
        if (message.charAt(2) == 'a') {
            throw new ScramException("SCRAM authorization identity (a=) is not supported");
        }
        if (message.charAt(2) != ',') {
            throw new ScramException("malformed SCRAM message: invalid GS2 header");
        }
        return 3;
    }
}
