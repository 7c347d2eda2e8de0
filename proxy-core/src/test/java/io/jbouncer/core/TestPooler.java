package io.jbouncer.core;

import io.jbouncer.core.config.AuthFile;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.core.config.HbaRules;
import io.jbouncer.core.net.DnsCache;
import io.jbouncer.core.net.ServerConnector;
import io.jbouncer.core.net.Transport;
import io.jbouncer.core.stats.PoolerEvents;
import io.jbouncer.core.tls.TlsContexts;
import io.jbouncer.protocol.auth.StoredSecret;
import io.netty.channel.WriteBufferWaterMark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link Pooler} for handler tests on {@code EmbeddedChannel}s: database {@code db}, user {@code alice} with
 * password {@code secret} in the auth file, {@code auth_type = plain}, {@code alice} an admin of the console. Its
 * connector has no event loops: a test that needs a server builds one itself.
 */
public final class TestPooler {
    private TestPooler() {
    }

    /** The pooler, its files written to {@code dir}. */
    public static Pooler create(Path dir) throws Exception {
        Path users = dir.resolve("userlist.txt");
        Files.writeString(users, "\"alice\" \"secret\"\n", StandardCharsets.UTF_8);
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, """
                [databases]
                db = host=127.0.0.1 port=1
                [pgbouncer]
                auth_type = plain
                auth_file = %s
                admin_users = alice
                """.formatted(users), StandardCharsets.UTF_8);
        Config config = ConfigLoader.load(ini);
        Map<String, StoredSecret> secrets = new HashMap<>();
        AuthFile.load(users).forEach((user, secret) -> secrets.put(user, StoredSecret.parse(secret)));
        ServerConnector connector = new ServerConnector(Transport.detect(), null, 8192,
                new WriteBufferWaterMark(32 * 1024, 128 * 1024), () -> null, PoolerEvents.NONE,
                DnsCache.system(() -> Duration.ZERO, () -> Duration.ZERO));
        return new Pooler(config, secrets, HbaRules.NONE, TlsContexts.build(config), connector, PoolerEvents.NONE);
    }
}
