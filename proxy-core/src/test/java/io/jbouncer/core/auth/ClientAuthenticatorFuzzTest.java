package io.jbouncer.core.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jbouncer.core.config.AuthType;
import io.jbouncer.protocol.Mutations;
import io.jbouncer.protocol.PgProtocolException;
import io.jbouncer.protocol.auth.Md5Auth;
import io.jbouncer.protocol.auth.StoredSecret;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing of the password messages of a client login (PasswordMessage, SASLInitialResponse, SASLResponse;
 * docs/reliability.md): for {@code plain}, {@code md5} and {@code scram-sha-256} with every kind of stored secret
 * and an unknown user, arbitrary and damaged messages are refused (a {@link AuthStep.Refused}, or a
 * {@link PgProtocolException} that the connection answers with an ErrorResponse), never accepted, and every buffer
 * a step hands over can be released.
 */
class ClientAuthenticatorFuzzTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-Password-never-in-a-sample";
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final List<StoredSecret> SECRETS = Arrays.asList(
            StoredSecret.parse(PASSWORD),
            StoredSecret.parse(Md5Auth.passwordHash(USER, PASSWORD)),
            StoredSecret.Scram.fromPassword(PASSWORD, "0123456789abcdef".getBytes(StandardCharsets.US_ASCII), 4096),
            null);

    @Property
    void damagedPasswordMessagesAreRefused(@ForAll("methods") AuthType method, @ForAll("secretIndexes") int secret,
                                           @ForAll("messageLists") List<byte[]> messages) {
        ClientAuthenticator login = new ClientAuthenticator(method, USER, SECRETS.get(secret), 4096,
                new byte[] {1, 2, 3}, null);
        AuthStep step = release(login.start(ALLOC));
        for (byte[] message : messages) {
            if (!(step instanceof AuthStep.Challenge)) {
                break;
            }
            ByteBuf body = ALLOC.buffer(message.length).writeBytes(message);
            try {
                step = release(login.onPasswordMessage(body, ALLOC));
            } catch (PgProtocolException refused) {
                break; // the connection answers with an ErrorResponse and closes
            } finally {
                body.release();
            }
            assertFalse(step instanceof AuthStep.Accepted, "a damaged password message was accepted");
        }
    }

    private static AuthStep release(AuthStep step) {
        if (step instanceof AuthStep.Challenge challenge) {
            challenge.message().release();
        } else if (step instanceof AuthStep.Accepted accepted && accepted.lastMessage() != null) {
            accepted.lastMessage().release();
        }
        return step;
    }

    @Provide
    Arbitrary<AuthType> methods() {
        return Arbitraries.of(AuthType.PLAIN, AuthType.MD5, AuthType.SCRAM_SHA_256);
    }

    @Provide
    Arbitrary<Integer> secretIndexes() {
        return Arbitraries.integers().between(0, SECRETS.size() - 1);
    }

    @Provide
    Arbitrary<List<byte[]>> messageLists() {
        byte[] clientFirst = "n,,n=,r=fyko+d2lbbFgONRv9qkxdawL".getBytes(StandardCharsets.US_ASCII);
        ByteBuf initial = Unpooled.buffer();
        initial.writeBytes("SCRAM-SHA-256\0".getBytes(StandardCharsets.US_ASCII)).writeInt(clientFirst.length)
                .writeBytes(clientFirst);
        byte[] initialResponse = Arrays.copyOf(initial.array(), initial.writerIndex());
        byte[] finalResponse = ("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                + "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=").getBytes(StandardCharsets.US_ASCII);
        byte[] password = "wrong-password\0".getBytes(StandardCharsets.US_ASCII);
        byte[] md5 = "md5a3556571e93b0d20722ba62be61e8c2d\0".getBytes(StandardCharsets.US_ASCII);
        return Mutations.arbitraryOrMutated(initialResponse, finalResponse, password, md5).list().ofMinSize(1)
                .ofMaxSize(3);
    }
}
