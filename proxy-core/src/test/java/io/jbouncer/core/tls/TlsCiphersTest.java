package io.jbouncer.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Cipher settings as the JDK engine takes them. */
class TlsCiphersTest {

    @Test
    void keywordsMeanTheDefaultsWithTls13InOpenSslOrder() {
        List<String> defaults = TlsCiphers.select("client_tls", "default", null);
        assertEquals("TLS_AES_256_GCM_SHA384", defaults.get(0));
        assertTrue(defaults.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), defaults::toString);
        for (String keyword : List.of("secure", "fast", "normal", "compat", "legacy", "all", "insecure", "")) {
            assertEquals(defaults, TlsCiphers.select("client_tls", keyword, null), keyword);
        }
    }

    @Test
    void explicitListsInOpenSslOrIanaSpelling() {
        List<String> suites = TlsCiphers.select("client_tls",
                "ECDHE-RSA-AES256-GCM-SHA384:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");
        assertEquals(List.of("TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), suites);
    }

    @Test
    void openSslRulesAndUnknownSuitesAreRefusedNamingTheSetting() {
        IllegalArgumentException rules = assertThrows(IllegalArgumentException.class,
                () -> TlsCiphers.select("server_tls", "HIGH:!aNULL", null));
        assertTrue(rules.getMessage().startsWith("invalid server_tls_ciphers: HIGH:!aNULL"), rules::getMessage);
        IllegalArgumentException tls13 = assertThrows(IllegalArgumentException.class,
                () -> TlsCiphers.select("client_tls", "default", "TLS_NOT_A_SUITE"));
        assertTrue(tls13.getMessage().startsWith("invalid client_tls13_ciphers:"), tls13::getMessage);
        assertFalse(tls13.getMessage().contains("null"));
    }
}
