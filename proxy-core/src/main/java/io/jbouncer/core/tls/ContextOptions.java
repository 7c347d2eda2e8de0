package io.jbouncer.core.tls;

import io.jbouncer.core.config.ConfigException;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/** What both sides' contexts share: the engine, the protocols and the cipher suites of a {@link TlsSettings}. */
final class ContextOptions {

    /**
     * The JDK engine: always there, with TLS 1.3 and session resumption. netty-tcnative is not shipped; a build that
     * wants OpenSSL can add it and change this one constant.
     */
    static final SslProvider ENGINE = SslProvider.JDK;

    private ContextOptions() {
    }

    static SslContextBuilder apply(SslContextBuilder builder, TlsSettings settings, TlsFiles files)
            throws ConfigException {
        String protocolsSetting = settings.prefix() + "_protocols";
        try {
            builder.protocols(TlsProtocols.parse(settings.protocols()));
        } catch (IllegalArgumentException e) {
            throw files.error(protocolsSetting, "invalid " + protocolsSetting + ": " + settings.protocols() + " ("
                    + e.getMessage() + ")");
        }
        try {
            builder.ciphers(TlsCiphers.select(settings.prefix(), settings.ciphers(), settings.tls13Ciphers()));
        } catch (IllegalArgumentException e) {
            throw files.error(settings.prefix() + "_ciphers", e.getMessage());
        }
        return builder.sslProvider(ENGINE);
    }
}
