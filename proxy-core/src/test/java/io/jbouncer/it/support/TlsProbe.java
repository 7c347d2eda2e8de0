package io.jbouncer.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A hand-driven PostgreSQL TLS client for what real drivers never do: an SSLRequest, then the TLS handshake by the
 * JDK over the same socket (trusting any certificate), so a test can look at the certificate jbouncer presents or
 * misbehave inside or around the handshake.
 */
public final class TlsProbe {

    private static final int TIMEOUT_MILLIS = 10_000;

    private TlsProbe() {
    }

    /** The 8-byte SSLRequest packet. */
    public static byte[] sslRequest() {
        return ByteBuffer.allocate(8).putInt(8).putInt(RawConnection.SSL_REQUEST).array();
    }

    /** A plain socket to 127.0.0.1:{@code port} that has sent an SSLRequest and read the answer byte. */
    public static Socket requestTls(int port, char expected) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.getOutputStream().write(sslRequest());
        int answer = socket.getInputStream().read();
        if (answer != expected) {
            socket.close();
            throw new IllegalStateException("SSLRequest answered " + answer + ", expected " + expected);
        }
        return socket;
    }

    /** A TLS session with jbouncer on {@code port}, handshake done. The caller closes it. */
    public static SSLSocket handshake(int port) throws IOException {
        Socket plain = requestTls(port, 'S');
        SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, "localhost", port, true);
        tls.startHandshake();
        return tls;
    }

    /**
     * A direct TLS connection (no SSLRequest, PostgreSQL 17's {@code sslnegotiation=direct}) offering the ALPN
     * protocols {@code alpn} (none when empty), handshake done. The caller closes it.
     */
    public static SSLSocket direct(int port, String... alpn) throws IOException {
        SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket();
        tls.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
        tls.setSoTimeout(TIMEOUT_MILLIS);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setApplicationProtocols(alpn);
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    /** The public-key algorithm of the certificate jbouncer presents now ({@code RSA}, {@code EC}). */
    public static String presentedKeyAlgorithm(int port) throws IOException {
        try (SSLSocket tls = handshake(port)) {
            return tls.getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm();
        }
    }

    /** Whether the peer closes {@code socket} (whatever it sends before) within the timeout. */
    public static boolean closedByPeer(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                continue; // an alert, perhaps: keep reading until the end
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
