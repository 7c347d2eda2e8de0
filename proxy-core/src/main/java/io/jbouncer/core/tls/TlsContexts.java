package io.jbouncer.core.tls;

import io.jbouncer.core.Log;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigException;

/**
 * Both sides' TLS as one configuration snapshot gives it; immutable. Built whole or not at all, so a start-up with a
 * bad key fails and a reload with one keeps the previous contexts (PgBouncer's {@code sbuf_tls_setup}).
 *
 * @param clients towards clients ({@code client_tls_*})
 * @param servers towards PostgreSQL ({@code server_tls_*})
 * @param serverSettings the settings {@code servers} was built from, to tell whether a reload changed them
 */
public record TlsContexts(ClientTls clients, ServerTls servers, TlsSettings serverSettings) {

    /**
     * Reads every key, certificate and CA file the configuration names and builds the contexts.
     *
     * @throws ConfigException naming the setting and the file at fault, in PgBouncer's words where it has them
     */
    public static TlsContexts build(Config config) throws ConfigException {
        String file = config.file().toString();
        TlsSettings serverSettings = TlsSettings.forServers(config);
        ClientTls clients = ClientTls.build(file, TlsSettings.forClients(config), config.authType());
        ServerTls servers = ServerTls.build(file, serverSettings);
        return new TlsContexts(clients, servers, serverSettings);
    }

    /** Whether servers connected under {@code previous} were opened with other TLS settings than these. */
    public boolean serverSettingsChangedFrom(TlsContexts previous) {
        return !serverSettings.equals(previous.serverSettings);
    }

    /** Logs which engine serves TLS, when either side uses it. */
    public void logEngine() {
        if (clients.enabled() || servers.enabled()) {
            Log.info("TLS engine: %s", TlsEngine.current().describe());
        }
    }
}
