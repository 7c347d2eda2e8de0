package io.jbouncer.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The TLS implementation both sides use: BoringSSL through netty-tcnative where its native library loads (Linux
 * x86-64 and aarch64 are shipped), the JDK's own engine otherwise or when the JVM is started with
 * {@code -Djbouncer.tls.engine=jdk}. BoringSSL costs several times less CPU per handshake and per byte.
 *
 * <p>What differs between them is the cipher suites: their names and defaults, and BoringSSL's fixed TLS 1.3
 * suites (it has no setting for them).
 */
public enum TlsEngine {
    BORINGSSL(SslProvider.OPENSSL),
    JDK(SslProvider.JDK);

    /** The system property that forces the JDK engine. */
    public static final String PROPERTY = "jbouncer.tls.engine";
    private static final TlsEngine CURRENT = choose();

    /** TLS 1.3 suites; their names are the same in IANA, JDK and OpenSSL spelling. */
    static final Set<String> TLS13_SUITES = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");
    /** OpenSSL's default TLS 1.3 suites, in its order: what PgBouncer's clients negotiate. */
    private static final List<String> OPENSSL_TLS13_DEFAULT = List.of("TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");

    private final SslProvider provider;

    TlsEngine(SslProvider provider) {
        this.provider = provider;
    }

    /** The engine of this process. */
    public static TlsEngine current() {
        return CURRENT;
    }

    private static TlsEngine choose() {
        if ("jdk".equalsIgnoreCase(System.getProperty(PROPERTY, ""))) {
            return JDK;
        }
        return OpenSsl.isAvailable() ? BORINGSSL : JDK;
    }

    SslProvider provider() {
        return provider;
    }

    /** For the start-up log line. */
    public String describe() {
        return this == BORINGSSL ? "OpenSSL (" + OpenSsl.versionString() + ", netty-tcnative)"
                : "JDK (Java " + Runtime.version() + ")";
    }

    /** Whether {@code *_tls13_ciphers} can choose TLS 1.3 suites (BoringSSL always enables its own). */
    boolean choosesTls13Suites() {
        return this == JDK;
    }

    /** Every suite this engine knows, by JDK (IANA) name. */
    Set<String> supportedSuites() {
        return this == BORINGSSL ? OpenSsl.availableJavaCipherSuites()
                : Set.of(jdk().getSupportedSSLParameters().getCipherSuites());
    }

    /** The default TLS 1.3 suites, most preferred first; empty where the engine decides alone. */
    List<String> defaultTls13Suites() {
        if (this == BORINGSSL) {
            return List.of();
        }
        List<String> enabled = Arrays.asList(jdk().getDefaultSSLParameters().getCipherSuites());
        return OPENSSL_TLS13_DEFAULT.stream().filter(enabled::contains).toList();
    }

    /** The default suites of TLS 1.2 and older; {@code null} where the engine's own default applies. */
    List<String> defaultTls12Suites() {
        if (this == BORINGSSL) {
            return null;
        }
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
