package io.jbouncer.core.tls;

import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.SslMode;

/**
 * The TLS settings of one side, as read from a configuration snapshot: {@code client_tls_*} (jbouncer accepting
 * clients) or {@code server_tls_*} (jbouncer connecting to PostgreSQL). Equal values mean an equal context, except
 * for file contents, which a reload always reads again.
 *
 * <p>{@code client_tls_ecdhcurve} and {@code client_tls_dheparams} are not here: the engine chooses groups itself,
 * so only their default {@code auto} is accepted (the settings table refuses other values).
 *
 * @param prefix {@code client_tls} or {@code server_tls}, for messages
 */
public record TlsSettings(String prefix, SslMode mode, String keyFile, String certFile, String caFile,
                          String protocols, String ciphers, String tls13Ciphers) {

    /** {@code client_tls_*}. */
    public static TlsSettings forClients(Config config) {
        return new TlsSettings("client_tls", config.clientTlsSslmode(), config.clientTlsKeyFile(),
                config.clientTlsCertFile(), config.clientTlsCaFile(), config.clientTlsProtocols(),
                config.clientTlsCiphers(), config.clientTls13Ciphers());
    }

    /** {@code server_tls_*}. */
    public static TlsSettings forServers(Config config) {
        return new TlsSettings("server_tls", config.serverTlsSslmode(), config.serverTlsKeyFile(),
                config.serverTlsCertFile(), config.serverTlsCaFile(), config.serverTlsProtocols(),
                config.serverTlsCiphers(), config.serverTls13Ciphers());
    }

    boolean enabled() {
        return mode != SslMode.DISABLE;
    }

    /** {@code verify-ca} or {@code verify-full}: the peer's certificate must chain to a trusted CA. */
    boolean verifiesPeer() {
        return mode.compareTo(SslMode.VERIFY_CA) >= 0;
    }

    static boolean isSet(String file) {
        return file != null && !file.isEmpty();
    }
}
