package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jbouncer.core.Pooler;
import io.jbouncer.core.TestPooler;
import io.jbouncer.core.config.Config;
import io.netty.channel.ChannelOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tcp_*} options are worked out when a configuration is applied, not for each new socket. */
class PoolerSocketTuningTest {

    @TempDir
    Path dir;

    @Test
    void oneTuningPerConfigurationAndANewOneAfterAReload() throws Exception {
        Pooler pooler = TestPooler.create(dir);
        Config first = pooler.config().withSetting("tcp_socket_buffer", "65536");
        pooler.apply(first, pooler.secrets(), pooler.hba());

        var tuning = pooler.socketTuning();
        assertSame(tuning, pooler.socketTuning(), "the same configuration: the same tuning, not made again");
        assertEquals(65536, tuning.options().get(ChannelOption.SO_SNDBUF));

        Config reloaded = first.withSetting("tcp_socket_buffer", "0").withSetting("tcp_keepalive", "0");
        pooler.apply(reloaded, pooler.secrets(), pooler.hba());
        assertEquals(false, pooler.socketTuning().options().get(ChannelOption.SO_KEEPALIVE));
        assertNull(pooler.socketTuning().options().get(ChannelOption.SO_SNDBUF), "0 leaves the system's default");
    }
}
