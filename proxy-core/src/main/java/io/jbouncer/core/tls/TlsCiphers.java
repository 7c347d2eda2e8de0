package io.jbouncer.core.tls;

import io.netty.handler.ssl.CipherSuiteConverter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The cipher settings ({@code *_tls_ciphers} for TLS 1.2 and older, {@code *_tls13_ciphers} for TLS 1.3) as the
 * {@link TlsEngine} takes them.
 *
 * <p>libtls's keywords ({@code default}, {@code secure}, {@code fast}, {@code normal}, {@code compat},
 * {@code legacy}, {@code all}, {@code insecure}) all mean the engine's defaults, which are its secure set. An
 * explicit list names suites separated by colons or commas, in OpenSSL spelling ({@code ECDHE-RSA-AES256-GCM-SHA384})
 * or IANA spelling ({@code TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}). OpenSSL cipher rules ({@code HIGH:!aNULL},
 * {@code +}, {@code @STRENGTH}) are refused, not ignored, and so is {@code *_tls13_ciphers} under BoringSSL, which
 * always enables its own TLS 1.3 suites.
 *
 * <p>Under the JDK engine TLS 1.3 suites default to OpenSSL's order ({@code TLS_AES_256_GCM_SHA384} first) rather
 * than the JDK's ({@code TLS_AES_128_GCM_SHA256} first), so a client negotiates what it would with PgBouncer.
 */
public final class TlsCiphers {

    private static final Set<String> KEYWORDS = Set.of("default", "secure", "fast", "normal", "compat", "legacy",
            "all", "insecure");

    private TlsCiphers() {
    }

    /**
     * The suites to enable, most preferred first, or {@code null} for the engine's own defaults.
     *
     * @param prefix {@code client_tls} or {@code server_tls}, for messages
     * @param tls12  the {@code *_tls_ciphers} value
     * @param tls13  the {@code *_tls13_ciphers} value, {@code null} when not set
     * @throws IllegalArgumentException naming the setting and the suite the engine does not take
     */
    public static List<String> select(TlsEngine engine, String prefix, String tls12, String tls13) {
        String tls13Setting = prefix.replace("_tls", "_tls13") + "_ciphers";
        if (!isDefault(tls13) && !engine.choosesTls13Suites()) {
            throw new IllegalArgumentException("invalid " + tls13Setting + ": " + tls13 + " (the BoringSSL engine"
                    + " always enables its own TLS 1.3 suites; start jbouncer with -D" + TlsEngine.PROPERTY
                    + "=jdk to choose them)");
        }
        List<String> older = isDefault(tls12) ? engine.defaultTls12Suites()
                : explicit(engine, prefix + "_ciphers", tls12);
        if (older == null && isDefault(tls13)) {
            return null;
        }
        List<String> suites = new ArrayList<>(isDefault(tls13) ? engine.defaultTls13Suites()
                : explicit(engine, tls13Setting, tls13));
        suites.addAll(older);
        return suites;
    }

    private static boolean isDefault(String value) {
        return value == null || value.isBlank() || KEYWORDS.contains(value.strip().toLowerCase(Locale.ROOT));
    }

    private static List<String> explicit(TlsEngine engine, String setting, String value) {
        Set<String> supported = engine.supportedSuites();
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
                        + "\" is not a cipher suite of the " + engine + " TLS engine; list suites by name, OpenSSL"
                        + " cipher rules are not supported)");
            }
            suites.add(java);
        }
        if (suites.isEmpty()) {
            throw new IllegalArgumentException("invalid " + setting + ": " + value + " (no cipher suite)");
        }
        return suites;
    }
}
