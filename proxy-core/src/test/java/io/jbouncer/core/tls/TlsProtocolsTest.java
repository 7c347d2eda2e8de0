package io.jbouncer.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** libtls's protocol list syntax. */
class TlsProtocolsTest {

    @Test
    void keywordsAndVersions() {
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("secure"));
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("default"));
        assertEquals(List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"), TlsProtocols.parse("all"));
        assertEquals(List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"), TlsProtocols.parse("legacy"));
        assertEquals(List.of("TLSv1.3"), TlsProtocols.parse("TLSv1.3"));
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("tlsv1.2, tlsv1.3"));
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("tlsv1.2:tlsv1.3"));
    }

    @Test
    void aLeadingRemovalStartsFromAll() {
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), TlsProtocols.parse("!tlsv1.0,!tlsv1.1"));
        assertEquals(List.of("TLSv1.2"), TlsProtocols.parse("secure,-tlsv1.3"));
    }

    @Test
    void refusesUnknownNamesAndEmptySets() {
        assertThrows(IllegalArgumentException.class, () -> TlsProtocols.parse("sslv3"));
        assertThrows(IllegalArgumentException.class, () -> TlsProtocols.parse("!all"));
        assertThrows(IllegalArgumentException.class, () -> TlsProtocols.parse(""));
    }
}
