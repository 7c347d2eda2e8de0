package io.jbouncer.core.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLSession;

/**
 * PgBouncer's description of a connection's TLS (SHOW CLIENTS / SHOW SERVERS {@code tls}, {@code login attempt:
 * ... tls=}): {@code <protocol>/<cipher>} with OpenSSL's cipher name, for example
 * {@code TLSv1.3/TLS_AES_256_GCM_SHA384}. PgBouncer appends {@code /ECDH=<curve>}; neither engine tells Netty's
 * session which group it negotiated, so that part is left out rather than guessed.
 */
public final class TlsInfo {

    private static final int MAX_REASON = 120;

    private TlsInfo() {
    }

    /** The description, or {@code ""} for a plaintext connection or one still in its handshake. Any thread. */
    public static String describe(Channel channel) {
        SslHandler handler = established(channel);
        if (handler == null) {
            return "";
        }
        SSLSession session = handler.engine().getSession();
        String suite = session.getCipherSuite();
        String openSsl = CipherSuiteConverter.toOpenSsl(suite, false);
        return session.getProtocol() + "/" + (openSsl != null ? openSsl : suite);
    }

    /**
     * Why a handshake failed, for a log line: the exception's message (at most {@value #MAX_REASON} characters:
     * Netty quotes a whole non-TLS record in hex), or its type when it has none (a connection closed mid-way).
     */
    public static String failure(Throwable cause) {
        String message = cause.getMessage();
        if (message == null || message.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        return message.length() <= MAX_REASON ? message : message.substring(0, MAX_REASON) + "...";
    }

    /** Whether {@code channel} carries TLS (its handshake done). */
    public static boolean isTls(Channel channel) {
        return established(channel) != null;
    }

    /** The channel's TLS handler once its handshake succeeded, else {@code null}. */
    static SslHandler established(Channel channel) {
        SslHandler handler = channel == null ? null : channel.pipeline().get(SslHandler.class);
        return handler != null && handler.handshakeFuture().isSuccess() ? handler : null;
    }
}
