package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @Test
    void networksContainTheirAddressesOnly() throws Exception {
        Cidr v4 = Cidr.parse("10.1.0.0/16");
        Cidr v6 = Cidr.parse("fd00::/8");

        assertTrue(v4.contains(InetAddress.getByName("10.1.255.3")));
        assertFalse(v4.contains(InetAddress.getByName("10.2.0.1")));
        assertTrue(v6.contains(InetAddress.getByName("fd12::1")));
        assertFalse(v6.contains(InetAddress.getByName("10.1.0.1")), "IPv4 never matches an IPv6 network");
        assertTrue(Cidr.parse("127.0.0.1").contains(InetAddress.getByName("127.0.0.1")), "a bare address is a /32");
        assertFalse(Cidr.parse("127.0.0.1").contains(InetAddress.getByName("127.0.0.2")));
        assertEquals("10.1.0.0/16", v4.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "fd00::/129", "lb.example.com", "10.0.0.0/x", "", "10"})
    void anythingButAnAddressLiteralWithAPrefixIsRefused(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }
}
