package io.jbouncer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The client side of one SCRAM-SHA-256 exchange (<a href="https://www.rfc-editor.org/rfc/rfc5802">RFC 5802</a>,
 * <a href="https://www.rfc-editor.org/rfc/rfc7677">RFC 7677</a>): the pooler logging in to PostgreSQL. Send
 * {@link #clientFirstMessage} in SASLInitialResponse, answer AuthenticationSASLContinue with
 * {@link #handleServerFirst}, and check AuthenticationSASLFinal with {@link #verifyServerFinal}; the login is only
 * trustworthy once that returns. Single use and not thread-safe; any failure ends it.
 *
 * <p>No channel binding ({@code n,,}), and an empty user name, since PostgreSQL takes the user from the startup
 * packet and ignores the SCRAM one.
 */
public final class ScramClient {
    private static final String GS2_HEADER = "n,,";
    private static final String CHANNEL_BINDING =
            "c=" + ScramCrypto.base64(GS2_HEADER.getBytes(StandardCharsets.UTF_8));

    private enum Stage { EXPECT_SERVER_FIRST, EXPECT_SERVER_FINAL, SUCCEEDED, FAILED }

    /** Where ClientKey and ServerKey come from once the server has named the salt and iteration count. */
    @FunctionalInterface
    private interface KeySource {
        Keys keysFor(byte[] salt, int iterations) throws ScramException;
    }

    private record Keys(byte[] clientKey, byte[] serverKey) {
    }

    private final KeySource keySource;
    private final String clientNonce;
    private final String clientFirstBare;
    private Stage stage = Stage.EXPECT_SERVER_FIRST;
    private byte[] expectedServerSignature;

    /** A login with a password, which is SASLprep-ed here. */
    public ScramClient(String password, SecureRandom random) {
        this("", password, ScramCrypto.newNonce(random));
    }

    /** For tests that need a fixed user name and client nonce (RFC 7677 vector). */
    ScramClient(String user, String password, String clientNonce) {
        this(user, passwordKeys(SaslPrep.prepare(password)), clientNonce);
    }

    private ScramClient(String user, KeySource keySource, String clientNonce) {
        this.keySource = keySource;
        this.clientNonce = clientNonce;
        this.clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
    }

    /**
     * A login without the password, by SCRAM pass-through (PgBouncer's {@code use_scram_keys}): {@code clientKey}
     * was recovered by a {@link ScramServer} from a client's proof against {@code secret}, and the server must
     * present the same salt and iteration count as {@code secret}, else {@link #handleServerFirst} fails.
     *
     * @throws IllegalArgumentException if {@code clientKey} does not belong to {@code secret}
     */
    public static ScramClient forPassThrough(StoredSecret.Scram secret, byte[] clientKey, SecureRandom random) {
        if (!MessageDigest.isEqual(ScramCrypto.sha256(clientKey), secret.storedKey())) {
            throw new IllegalArgumentException("clientKey does not match the secret's StoredKey");
        }
        byte[] key = clientKey.clone();
        KeySource keys = (salt, iterations) -> {
            if (iterations != secret.iterations() || !Arrays.equals(salt, secret.salt())) {
                throw new ScramException("server's SCRAM salt or iteration count differs from the stored secret");
            }
            return new Keys(key, secret.serverKey());
        };
        return new ScramClient("", keys, ScramCrypto.newNonce(random));
    }

    /** The client-first-message: {@code n,,n=,r=<nonce>}. */
    public String clientFirstMessage() {
        return GS2_HEADER + clientFirstBare;
    }

    /** Validates the server-first-message and returns the client-final-message carrying the proof. */
    public String handleServerFirst(String serverFirst) throws ScramException {
        enter(Stage.EXPECT_SERVER_FIRST);
        ScramMessageReader reader = new ScramMessageReader(serverFirst, 0);
        if (reader.nextIs('m')) {
            throw new ScramException("mandatory SCRAM extensions (m=) are not supported");
        }
        String nonce = ScramMessageReader.requirePrintable('r', reader.read('r'));
        if (nonce.length() <= clientNonce.length() || !nonce.startsWith(clientNonce)) {
            throw new ScramException("SCRAM server nonce does not extend the client nonce");
        }
        byte[] salt = ScramCrypto.decodeBase64('s', reader.read('s'));
        if (salt.length == 0) {
            throw new ScramException("malformed SCRAM message: empty salt");
        }
        int iterations = parseIterations(reader.read('i'));
        reader.skipExtensions();

        Keys keys = keySource.keysFor(salt, iterations);
        String withoutProof = CHANNEL_BINDING + ",r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] storedKey = ScramCrypto.sha256(keys.clientKey());
        byte[] proof = ScramCrypto.xor(keys.clientKey(), ScramCrypto.hmac(storedKey, authMessage));
        expectedServerSignature = ScramCrypto.hmac(keys.serverKey(), authMessage);
        stage = Stage.EXPECT_SERVER_FINAL;
        return withoutProof + ",p=" + ScramCrypto.base64(proof);
    }

    /** Checks the server-final-message's signature in constant time; returns normally only if it is right. */
    public void verifyServerFinal(String serverFinal) throws ScramException {
        enter(Stage.EXPECT_SERVER_FINAL);
        ScramMessageReader reader = new ScramMessageReader(serverFinal, 0);
        if (reader.nextIs('e')) {
            // the server-error value is a fixed token such as "invalid-proof": safe to log
            throw new ScramException("SCRAM server error: " + reader.read('e'));
        }
        byte[] signature = ScramCrypto.decodeBase64('v', reader.read('v'));
        reader.skipExtensions();
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new ScramException("invalid server signature");
        }
        stage = Stage.SUCCEEDED;
    }

    private static KeySource passwordKeys(String preparedPassword) {
        return (salt, iterations) -> {
            byte[] saltedPassword = ScramCrypto.saltedPassword(preparedPassword, salt, iterations);
            return new Keys(ScramCrypto.clientKey(saltedPassword), ScramCrypto.serverKey(saltedPassword));
        };
    }

    private static int parseIterations(String value) throws ScramException {
        if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ScramException("malformed SCRAM message: invalid iteration count");
        }
        long iterations = Long.parseLong(value);
        if (iterations == 0 || iterations > Integer.MAX_VALUE) {
            throw new ScramException("malformed SCRAM message: invalid iteration count");
        }
        return (int) iterations;
    }

    /** Checks the call order and marks the exchange failed until the step completes. */
    private void enter(Stage expected) {
        if (stage != expected) {
            throw new IllegalStateException("SCRAM exchange is in stage " + stage + ", expected " + expected);
        }
        stage = Stage.FAILED;
    }
}
