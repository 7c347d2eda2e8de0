package io.jbouncer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** PgBouncer's connection lines: the {@code closing because} text, the age in whole seconds, the address forms. */
class ConnectionLogTest {

    @Test
    void closingLineIsPgBouncers() {
        assertEquals("C-0a1b: app/alice@127.0.0.1:51234 closing because: client close request (age=3s)",
                ConnectionLog.closingMessage('C', "0a1b", "app/alice@127.0.0.1:51234", "client close request", 3));
        assertEquals("S-99: app/bob@10.0.0.5:5432 closing because: server idle timeout (age=0s)",
                ConnectionLog.closingMessage('S', "99", "app/bob@10.0.0.5:5432", "server idle timeout", 0));
    }

    @Test
    void ageIsInWholeSecondsRoundedDown() {
        assertEquals(0, ConnectionLog.ageSeconds(1_000, 1_999));
        assertEquals(1, ConnectionLog.ageSeconds(1_000, 2_000));
        assertEquals(61, ConnectionLog.ageSeconds(0, 61_999));
    }

    @Test
    void aClockStepBackIsAgeZero() {
        assertEquals(0, ConnectionLog.ageSeconds(5_000, 4_000));
    }

    @Test
    void addressesAsPgBouncerWritesThem() throws Exception {
        assertEquals("127.0.0.1:6432",
                ConnectionLog.address(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 6432)));
        assertEquals("[::1]:6432", ConnectionLog.address(new InetSocketAddress(InetAddress.getByName("::1"), 6432)));
        assertEquals("unix", ConnectionLog.address(new DomainSocketAddress("/tmp/.s.PGSQL.6432")));
    }
}
