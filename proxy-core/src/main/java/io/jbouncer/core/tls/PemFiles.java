package io.jbouncer.core.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM files as operators have them, with bouncycastle's parser: private keys in PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}), SEC1 ({@code BEGIN EC PRIVATE KEY}) or PKCS#8 ({@code BEGIN PRIVATE KEY}) form,
 * and certificate files holding one certificate or a chain (leaf first). The key material itself is turned into JDK
 * keys by the JDK's own providers; bouncycastle is not installed as a security provider.
 *
 * <p>Encrypted keys are refused with a clear message: PgBouncer has no passphrase setting either.
 */
public final class PemFiles {

    private PemFiles() {
    }

    /** The private key in {@code file}: the first key object in it (EC parameters blocks are skipped). */
    public static PrivateKey privateKey(Path file) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
                    throw new IOException("the key is encrypted; a key file without passphrase is needed");
                }
            }
        } catch (PEMException e) {
            throw new IOException("not a usable PEM private key: " + e.getMessage(), e);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException("not a PEM file: " + e.getMessage(), e);
        }
        throw new IOException("no PEM private key found");
    }

    /** Every certificate in {@code file}, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> certificates = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (CertificateException e) {
            throw new IOException("not a usable certificate: " + e.getMessage(), e);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException("not a PEM file: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException("no PEM certificate found");
        }
        return certificates;
    }
}
