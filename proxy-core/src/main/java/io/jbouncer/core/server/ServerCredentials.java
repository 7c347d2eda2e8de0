package io.jbouncer.core.server;

import io.jbouncer.protocol.auth.StoredSecret;

/**
 * What the pooler knows to log in to PostgreSQL as one user (config.md [databases]): the connection string's password,
 * else the user's auth_file secret. A SCRAM secret can answer a SCRAM server only by pass-through, with the
 * ClientKey recovered from a client that authenticated against that same secret.
 *
 * @param secret    the stored secret, or {@code null} when none is known (trust servers still work)
 * @param clientKey the SCRAM ClientKey for pass-through, or {@code null}
 */
public record ServerCredentials(String user, StoredSecret secret, byte[] clientKey) {

    /** Never prints secrets. */
    @Override
    public String toString() {
        return "ServerCredentials[" + user + "]";
    }
}
