package io.jbouncer.core.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * The {@code tls-server-end-point} channel-binding data of a client's TLS connection
 * (<a href="https://www.rfc-editor.org/rfc/rfc5929#section-4">RFC 5929</a>): the hash of the certificate jbouncer
 * presented, with the hash of its signature algorithm, SHA-256 for MD5 and SHA-1. SCRAM-SHA-256-PLUS proves it, so
 * a man in the middle with another certificate cannot relay the login.
 */
public final class ChannelBinding {

    private ChannelBinding() {
    }

    /** The data, or {@code null} when {@code channel} carries no completed TLS session with a certificate. */
    public static byte[] tlsServerEndPoint(Channel channel) {
        SslHandler handler = TlsInfo.established(channel);
        if (handler == null) {
            return null;
        }
        Certificate[] local = handler.engine().getSession().getLocalCertificates();
        if (local == null || local.length == 0 || !(local[0] instanceof X509Certificate certificate)) {
            return null;
        }
        try {
            return MessageDigest.getInstance(hashOf(certificate.getSigAlgName())).digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return null;
        }
    }

    /** {@code SHA384withECDSA} -> {@code SHA-384}; MD5, SHA-1 and anything unknown -> {@code SHA-256}. */
    static String hashOf(String signatureAlgorithm) {
        String name = signatureAlgorithm.toUpperCase(Locale.ROOT);
        if (name.startsWith("SHA384")) {
            return "SHA-384";
        }
        if (name.startsWith("SHA512")) {
            return "SHA-512";
        }
        return "SHA-256";
    }
}
