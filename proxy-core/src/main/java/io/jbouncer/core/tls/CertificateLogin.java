package io.jbouncer.core.tls;

import io.jbouncer.core.Log;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * {@code auth_type = cert} (PgBouncer's {@code login_via_cert}): the client must have come over TLS with a
 * certificate (already verified against {@code client_tls_ca_file} by the handshake under {@code verify-full}) whose
 * common name is the login user name. Each failure is logged with PgBouncer's reason; the client is told only
 * {@code certificate authentication failed}.
 */
public final class CertificateLogin {

    /** What the client sees for every failure. */
    public static final String FAILED = "certificate authentication failed";

    private CertificateLogin() {
    }

    /**
     * Whether {@code channel}'s client certificate names the user logging in.
     *
     * @param knownUser whether the user is in the auth file: an unknown user fails like PgBouncer's mock login
     * @param namesUser whether a common name stands for the user: equal to it, or mapped to it by an ident map
     */
    public static boolean accepts(Channel channel, boolean knownUser, String logId, Predicate<String> namesUser) {
        SslHandler handler = TlsInfo.established(channel);
        if (handler == null) {
            Log.error("C-%s: TLS connection required", logId);
            return false;
        }
        X509Certificate certificate;
        try {
            Certificate[] chain = handler.engine().getSession().getPeerCertificates();
            certificate = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            Log.error("C-%s: TLS client certificate required", logId);
            return false;
        }
        if (!knownUser) {
            return false;
        }
        String commonName = commonName(certificate);
        Log.debug("C-%s: TLS cert login: %s", logId, certificate.getSubjectX500Principal().getName());
        if (commonName == null || !namesUser.test(commonName)) {
            Log.error("C-%s: TLS certificate name mismatch", logId);
            return false;
        }
        return true;
    }

    /** The subject's (last) CN, or {@code null} when it has none. */
    static String commonName(X509Certificate certificate) {
        String commonName = null;
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    commonName = rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return commonName;
    }
}
