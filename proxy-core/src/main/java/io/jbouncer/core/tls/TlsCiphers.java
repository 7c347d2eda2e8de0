package io.jbouncer.core.tls;

import io.netty.handler.ssl.CipherSuiteConverter;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The cipher settings ({@code *_tls_ciphers} for TLS 1.2 and older, {@code *_tls13_ciphers} for TLS 1.3) as the JDK
 * TLS engine takes them.
 *
 * <p>libtls's keywords ({@code default}, {@code secure}, {@code fast}, {@code normal}, {@code compat},
 * {@code legacy}, {@code all}, {@code insecure}) all mean the JDK's default suites: the JDK's defaults are its secure
 * set, and it has no weaker opt-in list. An explicit list names suites separated by colons or commas, in OpenSSL
 * spelling ({@code ECDHE-RSA-AES256-GCM-SHA384}) or IANA spelling ({@code TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}).
 * OpenSSL cipher rules ({@code HIGH:!aNULL}, {@code +}, {@code @STRENGTH}) are refused, not ignored: the JDK engine
 * has no rule language.
 *
 * <p>TLS 1.3 suites default to OpenSSL's order ({@code TLS_AES_256_GCM_SHA384} first) rather than the JDK's
 * ({@code TLS_AES_128_GCM_SHA256} first), so a client negotiates what it would with PgBouncer.
 */
public final class TlsCiphers {

    private static final Set<String> KEYWORDS = Set.of("default", "secure", "fast", "normal", "compat", "legacy",
            "all", "insecure");
    private static final Set<String> TLS13_SUITES = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");
    /** OpenSSL's default TLS 1.3 suites, in its order. */
    private static final List<String> OPENSSL_TLS13_DEFAULT = List.of("TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");

    private TlsCiphers() {
    }

    /**
     * The suites to enable, most preferred first.
     *
     * @param tls12 the {@code *_tls_ciphers} value
     * @param tls13 the {@code *_tls13_ciphers} value, {@code null} when not set
     * @throws IllegalArgumentException naming the setting and the suite the JDK does not know
     */
    public static List<String> select(String prefix, String tls12, String tls13) {
        List<String> suites = new ArrayList<>();
        suites.addAll(isDefault(tls13) ? tls13Defaults()
                : explicit(prefix.replace("_tls", "_tls13") + "_ciphers", tls13));
        suites.addAll(isDefault(tls12) ? tls12Defaults() : explicit(prefix + "_ciphers", tls12));
        return suites;
    }

    private static boolean isDefault(String value) {
        return value == null || value.isBlank() || KEYWORDS.contains(value.strip().toLowerCase(Locale.ROOT));
    }

    private static List<String> explicit(String setting, String value) {
        Set<String> supported = Set.of(jdk().getSupportedSSLParameters().getCipherSuites());
        List<String> suites = new ArrayList<>();
        for (String raw : value.split("[,:]")) {
            String name = raw.strip();
            if (name.isEmpty()) {
                continue;
            }
            String java = name.startsWith("TLS_") || name.startsWith("SSL_") ? name
                    : CipherSuiteConverter.toJava(name, "TLS");
            if (java == null || !supported.contains(java)) {
                throw new IllegalArgumentException("invalid " + setting + ": " + value + " (\"" + name
                        + "\" is not a cipher suite of the JDK TLS engine; list suites by name, OpenSSL cipher"
                        + " rules are not supported)");
            }
            suites.add(java);
        }
        if (suites.isEmpty()) {
            throw new IllegalArgumentException("invalid " + setting + ": " + value + " (no cipher suite)");
        }
        return suites;
    }

    private static List<String> tls13Defaults() {
        List<String> enabled = Arrays.asList(jdk().getDefaultSSLParameters().getCipherSuites());
        return OPENSSL_TLS13_DEFAULT.stream().filter(enabled::contains).toList();
    }

    /** The JDK's default suites of TLS 1.2 and older. */
    private static List<String> tls12Defaults() {
        return Arrays.stream(jdk().getDefaultSSLParameters().getCipherSuites())
                .filter(suite -> !TLS13_SUITES.contains(suite))
                .toList();
    }

    private static SSLContext jdk() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides TLS", e);
        }
    }
}
