package io.jbouncer.core.tls;

import io.jbouncer.core.config.ConfigException;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.List;

/** What both sides' contexts share: the engine, the protocols and the cipher suites of a {@link TlsSettings}. */
final class ContextOptions {

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
            List<String> suites = TlsCiphers.select(TlsEngine.current(), settings.prefix(), settings.ciphers(),
                    settings.tls13Ciphers());
            if (suites != null) {
                builder.ciphers(suites);
            }
        } catch (IllegalArgumentException e) {
            throw files.error(settings.prefix() + "_ciphers", e.getMessage());
        }
        return builder.sslProvider(TlsEngine.current().provider());
    }
}
