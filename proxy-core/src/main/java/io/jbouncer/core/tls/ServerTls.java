package io.jbouncer.core.tls;

import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.SslMode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * TLS towards PostgreSQL ({@code server_tls_*}), with PgBouncer's verification rules (its {@code setup_tls}):
 * <ul>
 *   <li>{@code allow}, {@code prefer}, {@code require}: the server's certificate is not checked at all, even when
 *       {@code server_tls_ca_file} is set (libpq checks the chain under {@code require} when a root CA file exists;
 *       PgBouncer does not);</li>
 *   <li>{@code verify-ca}: the chain must lead to {@code server_tls_ca_file}, or to the JDK's CAs without one;</li>
 *   <li>{@code verify-full}: also the host name of the {@code [databases]} entry must match the certificate (a DNS
 *       name, or an IP address SAN when the host is an address).</li>
 * </ul>
 * {@code allow} and {@code prefer} both ask for TLS first and fall back to plaintext on {@code N}, as PgBouncer
 * does. Unix-socket servers are never asked for TLS.
 */
public final class ServerTls {

    /** TLS off: no SSLRequest is sent. */
    public static final ServerTls DISABLED = new ServerTls(SslMode.DISABLE, null);

    private final SslMode mode;
    private final SslContext context;

    private ServerTls(SslMode mode, SslContext context) {
        this.mode = mode;
        this.context = context;
    }

    static ServerTls build(String configFile, TlsSettings settings) throws ConfigException {
        if (!settings.enabled()) {
            return DISABLED;
        }
        TlsFiles files = new TlsFiles(configFile, settings);
        boolean key = TlsSettings.isSet(settings.keyFile());
        if (key != TlsSettings.isSet(settings.certFile())) {
            throw files.error(key ? "server_tls_cert_file" : "server_tls_key_file", "a client certificate for"
                    + " servers needs both server_tls_key_file and server_tls_cert_file");
        }
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (key) {
            builder.keyManager(files.key(), files.certificates());
        }
        if (!settings.verifiesPeer()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (TlsSettings.isSet(settings.caFile())) {
            builder.trustManager(files.caCertificates());
        }
        // Netty checks host names by default; only verify-full does (tls_config_insecure_noverifyname otherwise).
        builder.endpointIdentificationAlgorithm(settings.mode() == SslMode.VERIFY_FULL ? "HTTPS" : null);
        try {
            return new ServerTls(settings.mode(), ContextOptions.apply(builder, settings, files).build());
        } catch (SSLException | IllegalArgumentException e) {
            throw files.error("server_tls_key_file", "TLS setup failed: " + e.getMessage());
        }
    }

    /** Whether a new connection to {@code address} starts with an SSLRequest. */
    public boolean appliesTo(SocketAddress address) {
        return context != null && address instanceof InetSocketAddress;
    }

    /**
     * The handler that asks {@code address} for TLS before the server connection's own handler sends its startup
     * packet; put it in front of that handler.
     *
     * @param loginFailed told PgBouncer's reason when the negotiation fails; the channel is closed by the caller
     * @param handshakeDone told whether the TLS handshake succeeded, when there was one
     */
    public ChannelHandler negotiation(InetSocketAddress address, Consumer<String> loginFailed,
            Consumer<Boolean> handshakeDone) {
        return new ServerTlsNegotiation(this, address, loginFailed, handshakeDone);
    }

    /** Whether an {@code N} to the SSLRequest fails the login ({@code require} and stricter). */
    boolean required() {
        return mode.compareTo(SslMode.REQUIRE) >= 0;
    }

    /** A client-side handler for {@code address}; the host name is the one of the {@code [databases]} entry. */
    SslHandler newHandler(Channel channel, InetSocketAddress address) {
        return context.newHandler(channel.alloc(), address.getHostString(), address.getPort());
    }

    boolean enabled() {
        return context != null;
    }
}
