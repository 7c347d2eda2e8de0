package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.ConfigLoader;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code io_transport} picks the Netty transport. The tests run on Linux, where epoll always loads; io_uring loads
 * where the kernel allows it (a refusal is tested end to end in TransportIT, with Netty's natives switched off).
 */
class TransportTest {

    @TempDir
    Path dir;

    private Config config(String value) throws IOException, ConfigException {
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, "[pgbouncer]\n" + (value == null ? "" : "io_transport = " + value + "\n"));
        return ConfigLoader.load(ini);
    }

    @Test
    void autoIsTheDefaultAndTakesEpollOnLinux() throws Exception {
        assertTrue(Epoll.isAvailable(), "the tests run on Linux, where the native epoll transport must load");
        assertSame(Transport.EPOLL, Transport.select(config(null)));
        assertSame(Transport.EPOLL, Transport.select(config("AUTO")));
    }

    @Test
    void namedTransportsAreTaken() throws Exception {
        assertSame(Transport.EPOLL, Transport.select(config("epoll")));
        Transport nio = Transport.select(config("nio"));
        assertSame(Transport.NIO, nio);
        assertEquals(false, nio.domainSockets());
        assertEquals(null, nio.linuxOptions());
    }

    @Test
    void ioUringIsTakenWhereTheKernelAllowsItAndRefusedWithTheReasonElsewhere() throws Exception {
        Config config = config("io_uring");
        if (IoUring.isAvailable()) {
            Transport transport = Transport.select(config);
            assertSame(Transport.IO_URING, transport);
            assertTrue(transport.domainSockets());
            assertSame(LinuxSocketOptions.IO_URING, transport.linuxOptions());
        } else {
            ConfigException e = assertThrows(ConfigException.class, () -> Transport.select(config));
            assertEquals("io_transport", e.key());
            assertTrue(e.getMessage().contains("io_transport = io_uring cannot be used on this machine"),
                    e.getMessage());
        }
    }

    @Test
    void ioUringRunsOnItsOwnEventLoops() throws Exception {
        assumeTrue(IoUring.isAvailable(), () -> "the kernel refuses io_uring here: " + IoUring.unavailabilityCause());
        var group = Transport.IO_URING.newGroup("test-loop", 1);
        try {
            assertTrue(group.next().submit(() -> true).get());
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void eventLoopThreadsCarryTheGroupsName() throws Exception {
        var group = Transport.EPOLL.newGroup("jbouncer-loop", 2);
        try {
            String first = group.next().submit(() -> Thread.currentThread().getName()).get();
            String second = group.next().submit(() -> Thread.currentThread().getName()).get();
            assertTrue(first.startsWith("jbouncer-loop-"), first);
            assertTrue(second.startsWith("jbouncer-loop-"), second);
            assertNotEquals(first, second, "two loops, two threads");
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void anUnknownNameStopsTheLoad() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("kqueue"));
        assertEquals("io_transport", e.key());
        assertTrue(e.getMessage().contains("one of auto, epoll, io_uring, nio"), e.getMessage());
    }
}
