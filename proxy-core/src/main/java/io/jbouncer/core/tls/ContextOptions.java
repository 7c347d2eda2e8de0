package io.jbouncer.core.tls;

import io.jbouncer.core.config.ConfigException;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

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
        requireAuto(files, settings.prefix() + "_ecdhcurve", settings.ecdhCurve());
        requireAuto(files, settings.prefix() + "_dheparams", settings.dhParams());
        return builder.sslProvider(ENGINE);
    }

    /**
     * The JDK engine of Java 17 picks key-exchange groups and DH parameters itself (per JVM, not per connection):
     * any other value than {@code auto} is refused rather than accepted and ignored.
     */
    private static void requireAuto(TlsFiles files, String setting, String value) throws ConfigException {
        if (value != null && !value.isBlank() && !"auto".equals(value.strip().toLowerCase(Locale.ROOT))) {
            throw files.error(setting, "invalid " + setting + ": " + value + " (only \"auto\" is supported: the JDK"
                    + " TLS engine chooses the groups itself)");
        }
    }
}
