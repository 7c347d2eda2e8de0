package io.jbouncer.core.tls;

import io.jbouncer.core.config.AuthType;
import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.SslMode;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * TLS towards clients ({@code client_tls_*}): whether an SSLRequest is answered {@code S} (or a direct TLS
 * ClientHello accepted, PgBouncer 1.25), whether a plaintext login is refused, and the handler that runs the
 * handshake. Unix-socket clients never get TLS, as in PgBouncer.
 *
 * <p>Client certificates: {@code verify-ca} and {@code verify-full} require one that chains to
 * {@code client_tls_ca_file}; in the other modes one is asked for, and checked if sent, only when a CA file is set
 * (PgBouncer asks always and checks against the system CAs; asking without a CA of our own would only ship the JDK's
 * whole CA list in every handshake).
 */
public final class ClientTls {

    /** The ALPN protocol of PostgreSQL 17; a direct TLS connection must negotiate it, as PostgreSQL requires. */
    public static final String ALPN_POSTGRESQL = "postgresql";
    /** The first byte of a TLS handshake record: a direct TLS client starts with its ClientHello. */
    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    /** TLS off: SSLRequest answered {@code N}, plaintext logins accepted. */
    public static final ClientTls DISABLED = new ClientTls(SslMode.DISABLE, null);

    private final SslMode mode;
    private final SslContext context;

    private ClientTls(SslMode mode, SslContext context) {
        this.mode = mode;
        this.context = context;
    }

    /** Builds the context, with PgBouncer's start-up checks (its {@code sbuf_tls_setup}). */
    static ClientTls build(String configFile, TlsSettings settings, AuthType authType) throws ConfigException {
        TlsFiles files = new TlsFiles(configFile, settings);
        if (authType == AuthType.CERT) {
            if (settings.mode() != SslMode.VERIFY_FULL) {
                throw files.error("auth_type", "auth_type=cert requires client_tls_sslmode=SSLMODE_VERIFY_FULL");
            }
            if (!TlsSettings.isSet(settings.caFile())) {
                throw files.error("auth_type", "auth_type=cert requires client_tls_ca_file");
            }
        } else if (settings.mode() == SslMode.VERIFY_FULL && !TlsSettings.isSet(settings.caFile())) {
            throw files.error("client_tls_sslmode", "client_tls_sslmode requires client_tls_ca_file");
        }
        if (!settings.enabled()) {
            return DISABLED;
        }
        if (!TlsSettings.isSet(settings.keyFile()) || !TlsSettings.isSet(settings.certFile())) {
            throw files.error("client_tls_sslmode", "To allow TLS connections from clients, client_tls_key_file and"
                    + " client_tls_cert_file must be set.");
        }
        PrivateKey key = files.key();
        List<X509Certificate> chain = files.certificates();
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_POSTGRESQL));
        if (TlsSettings.isSet(settings.caFile())) {
            builder.trustManager(files.caCertificates())
                    .clientAuth(settings.verifiesPeer() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        } else if (settings.verifiesPeer()) {
            builder.clientAuth(ClientAuth.REQUIRE); // verify-ca without a CA file: the JVM's default CAs
        }
        try {
            return new ClientTls(settings.mode(), ContextOptions.apply(builder, settings, files).build());
        } catch (SSLException | IllegalArgumentException e) {
            throw files.error("client_tls_key_file", "TLS setup failed: " + e.getMessage());
        }
    }

    /** Whether an SSLRequest on {@code channel} is answered {@code S}. */
    public boolean offeredOn(Channel channel) {
        return context != null && channel.remoteAddress() instanceof InetSocketAddress;
    }

    /** Whether a plaintext startup packet on {@code channel} is refused with {@code SSL required}. */
    public boolean requiredOn(Channel channel) {
        return mode.compareTo(SslMode.REQUIRE) >= 0 && channel.remoteAddress() instanceof InetSocketAddress;
    }

    /**
     * Whether {@code firstByte}, the first byte a client sent, starts a direct TLS connection (PostgreSQL 17
     * {@code sslnegotiation=direct}: a ClientHello instead of an SSLRequest) that this configuration accepts.
     */
    public boolean directOn(Channel channel, byte firstByte) {
        return firstByte == TLS_HANDSHAKE_RECORD && offeredOn(channel);
    }

    /** Whether a direct TLS connection negotiated {@value #ALPN_POSTGRESQL}; call once the handshake is done. */
    public static boolean negotiatedPostgresql(Channel channel) {
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        return handler != null && ALPN_POSTGRESQL.equals(handler.applicationProtocol());
    }

    /** A server-side handler for one client's handshake; only when {@link #offeredOn} said yes. */
    public SslHandler newHandler(Channel channel) {
        return context.newHandler(channel.alloc());
    }

    boolean enabled() {
        return context != null;
    }
}
