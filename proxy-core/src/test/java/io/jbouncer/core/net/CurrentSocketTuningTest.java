package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigLoader;
import io.netty.channel.ChannelOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurrentSocketTuningTest {

    @TempDir
    Path dir;

    private Config config(String settings) throws Exception {
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, "[pgbouncer]\n" + settings);
        return ConfigLoader.load(ini);
    }

    @Test
    void oneTuningPerConfigurationAndANewOneAfterAReload() throws Exception {
        AtomicReference<Config> inForce = new AtomicReference<>(config("tcp_socket_buffer = 65536\n"));
        CurrentSocketTuning current = new CurrentSocketTuning(inForce::get, Transport.detect());

        SocketTuning first = current.get();
        assertSame(first, current.get(), "the same configuration: the same tuning, not made again");
        assertEquals(65536, first.options().get(ChannelOption.SO_SNDBUF));

        inForce.set(config("tcp_socket_buffer = 0\ntcp_keepalive = 0\n"));
        SocketTuning reloaded = current.get();
        assertEquals(false, reloaded.options().get(ChannelOption.SO_KEEPALIVE));
        assertEquals(null, reloaded.options().get(ChannelOption.SO_SNDBUF), "0 leaves the system's default");
    }
}
