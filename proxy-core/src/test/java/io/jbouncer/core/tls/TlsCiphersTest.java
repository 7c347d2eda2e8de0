package io.jbouncer.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.OpenSsl;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cipher settings as each engine takes them. */
class TlsCiphersTest {

    private static final TlsEngine JDK = TlsEngine.JDK;

    @Test
    void jdkKeywordsMeanTheDefaultsWithTls13InOpenSslOrder() {
        List<String> defaults = TlsCiphers.select(JDK, "client_tls", "default", null);
        assertEquals("TLS_AES_256_GCM_SHA384", defaults.get(0));
        assertTrue(defaults.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), defaults::toString);
        for (String keyword : List.of("secure", "fast", "normal", "compat", "legacy", "all", "insecure", "")) {
            assertEquals(defaults, TlsCiphers.select(JDK, "client_tls", keyword, null), keyword);
        }
    }

    @Test
    void jdkExplicitListsInOpenSslOrIanaSpelling() {
        List<String> suites = TlsCiphers.select(JDK, "client_tls",
                "ECDHE-RSA-AES256-GCM-SHA384:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");
        assertEquals(List.of("TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), suites);
    }

    @Test
    void openSslRulesAndUnknownSuitesAreRefusedNamingTheSetting() {
        IllegalArgumentException rules = assertThrows(IllegalArgumentException.class,
                () -> TlsCiphers.select(JDK, "server_tls", "HIGH:!aNULL", null));
        assertTrue(rules.getMessage().startsWith("invalid server_tls_ciphers: HIGH:!aNULL"), rules::getMessage);
        IllegalArgumentException tls13 = assertThrows(IllegalArgumentException.class,
                () -> TlsCiphers.select(JDK, "client_tls", "default", "TLS_NOT_A_SUITE"));
        assertTrue(tls13.getMessage().startsWith("invalid client_tls13_ciphers:"), tls13::getMessage);
        assertFalse(tls13.getMessage().contains("null"));
    }

    /** BoringSSL: its own defaults, suites by name for TLS 1.2, and no say over TLS 1.3 (refused, not ignored). */
    @Test
    void boringSslUsesItsDefaultsAndRefusesTls13Choices() {
        assumeTrue(OpenSsl.isAvailable(), "netty-tcnative does not load on this platform");
        TlsEngine boring = TlsEngine.BORINGSSL;
        assertNull(TlsCiphers.select(boring, "client_tls", "default", null));
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
                TlsCiphers.select(boring, "client_tls", "ECDHE-RSA-AES256-GCM-SHA384", null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsCiphers.select(boring, "server_tls", "default", "TLS_AES_256_GCM_SHA384"));
        assertTrue(e.getMessage().startsWith("invalid server_tls13_ciphers: TLS_AES_256_GCM_SHA384 (the BoringSSL"),
                e::getMessage);
    }
}
