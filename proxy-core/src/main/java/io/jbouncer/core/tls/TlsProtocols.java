package io.jbouncer.core.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code client_tls_protocols} / {@code server_tls_protocols} in libtls syntax ({@code tls_config_parse_protocols}):
 * names separated by commas or colons, each one of {@code all}, {@code legacy} (= all), {@code secure} and
 * {@code default} (= TLS 1.2 and 1.3), {@code tlsv1} (every 1.x), {@code tlsv1.0} .. {@code tlsv1.3}; a leading
 * {@code !} or {@code -} removes, and a list that starts by removing starts from {@code all}.
 */
public final class TlsProtocols {

    private static final int TLS10 = 1;
    private static final int TLS11 = 2;
    private static final int TLS12 = 4;
    private static final int TLS13 = 8;
    private static final int ALL = TLS10 | TLS11 | TLS12 | TLS13;
    private static final int SECURE = TLS12 | TLS13;

    private TlsProtocols() {
    }

    /**
     * The JDK protocol names the setting enables, oldest first.
     *
     * @throws IllegalArgumentException for a name libtls does not know, or a list that enables nothing
     */
    public static List<String> parse(String value) {
        int protocols = 0;
        for (String raw : value.split("[,:]")) {
            String token = raw.strip().toLowerCase(Locale.ROOT);
            if (token.isEmpty()) {
                continue;
            }
            boolean remove = token.startsWith("!") || token.startsWith("-");
            if (remove) {
                token = token.substring(1);
                if (protocols == 0) {
                    protocols = ALL;
                }
            }
            int bits = switch (token) {
                case "all", "legacy", "tlsv1" -> ALL;
                case "secure", "default" -> SECURE;
                case "tlsv1.0" -> TLS10;
                case "tlsv1.1" -> TLS11;
                case "tlsv1.2" -> TLS12;
                case "tlsv1.3" -> TLS13;
                default -> throw new IllegalArgumentException("unknown protocol \"" + raw.strip() + "\"");
            };
            protocols = remove ? protocols & ~bits : protocols | bits;
        }
        if (protocols == 0) {
            throw new IllegalArgumentException("no protocol enabled");
        }
        List<String> names = new ArrayList<>();
        if ((protocols & TLS10) != 0) {
            names.add("TLSv1");
        }
        if ((protocols & TLS11) != 0) {
            names.add("TLSv1.1");
        }
        if ((protocols & TLS12) != 0) {
            names.add("TLSv1.2");
        }
        if ((protocols & TLS13) != 0) {
            names.add("TLSv1.3");
        }
        return names;
    }
}
