package io.jbouncer.core.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM keys and certificates in the forms operators have them. */
class PemFilesTest {

    @TempDir
    Path dir;

    private static KeyPair pair(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize("EC".equals(algorithm) ? 256 : 2048);
        return generator.generateKeyPair();
    }

    private Path pem(String name, Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        }
        Path file = dir.resolve(name);
        Files.writeString(file, text.toString());
        return file;
    }

    /** A SEC1 {@code EC PRIVATE KEY} block with the named curve, as OpenSSL writes it. */
    private static PemObject sec1(KeyPair ec) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(ec.getPrivate().getEncoded());
        ECPrivateKey key = (ECPrivateKey) ec.getPrivate();
        return new PemObject("EC PRIVATE KEY", new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(),
                info.getPrivateKeyAlgorithm().getParameters()).getEncoded());
    }

    private static X509Certificate selfSigned(KeyPair pair, String cn) throws Exception {
        X500Name name = new X500Name("CN=" + cn);
        Date now = new Date();
        String signature = "EC".equals(pair.getPublic().getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.ONE, now, new Date(now.getTime() + 86_400_000L), name, pair.getPublic())
                .build(new JcaContentSignerBuilder(signature).build(pair.getPrivate())));
    }

    @Test
    void readsPkcs1RsaKeys() throws Exception {
        KeyPair rsa = pair("RSA");
        Path file = pem("pkcs1.key", rsa); // a KeyPair is written as BEGIN RSA PRIVATE KEY
        assertTrue(Files.readString(file).contains("BEGIN RSA PRIVATE KEY"));
        assertArrayEquals(rsa.getPrivate().getEncoded(), PemFiles.privateKey(file).getEncoded());
    }

    @Test
    void readsPkcs8Keys() throws Exception {
        KeyPair rsa = pair("RSA");
        Path file = pem("pkcs8.key", new JcaPKCS8Generator(rsa.getPrivate(), null));
        assertTrue(Files.readString(file).contains("BEGIN PRIVATE KEY"));
        assertArrayEquals(rsa.getPrivate().getEncoded(), PemFiles.privateKey(file).getEncoded());
    }

    @Test
    void readsEcKeysWithOrWithoutAParametersBlock() throws Exception {
        KeyPair ec = pair("EC");
        Path file = pem("ec.key", sec1(ec)); // what openssl ecparam -genkey writes
        assertTrue(Files.readString(file).contains("BEGIN EC PRIVATE KEY"));
        PrivateKey key = PemFiles.privateKey(file);
        assertEquals("EC", key.getAlgorithm());
        Path withParameters = dir.resolve("ec-params.key");
        Files.writeString(withParameters, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + Files.readString(file));
        assertArrayEquals(key.getEncoded(), PemFiles.privateKey(withParameters).getEncoded());
    }

    @Test
    void readsChainsAndCombinedCertificateAndKeyFiles() throws Exception {
        KeyPair leaf = pair("RSA");
        KeyPair issuer = pair("EC");
        X509Certificate leafCert = selfSigned(leaf, "leaf");
        X509Certificate issuerCert = selfSigned(issuer, "issuer");
        Path chain = pem("chain.crt", leafCert, issuerCert);
        assertEquals(List.of(leafCert, issuerCert), PemFiles.certificates(chain));
        Path combined = pem("combined.pem", leafCert, leaf);
        assertEquals(List.of(leafCert), PemFiles.certificates(combined));
        assertArrayEquals(leaf.getPrivate().getEncoded(), PemFiles.privateKey(combined).getEncoded());
    }

    @Test
    void refusesEncryptedKeysAndFilesWithoutKeyOrCertificate() throws Exception {
        KeyPair rsa = pair("RSA");
        Path encrypted = pem("encrypted.key", new JcaPKCS8Generator(rsa.getPrivate(),
                new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                        .setProvider(new BouncyCastleProvider()).setPassword("secret".toCharArray()).build()));
        IOException e = assertThrows(IOException.class, () -> PemFiles.privateKey(encrypted));
        assertTrue(e.getMessage().contains("encrypted"), e::getMessage);

        Path certOnly = pem("cert.pem", selfSigned(rsa, "x"));
        assertEquals("no PEM private key found",
                assertThrows(IOException.class, () -> PemFiles.privateKey(certOnly)).getMessage());
        Path text = dir.resolve("text.pem");
        Files.writeString(text, "hello\n");
        assertEquals("no PEM certificate found",
                assertThrows(IOException.class, () -> PemFiles.certificates(text)).getMessage());
        Path broken = dir.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n");
        assertThrows(IOException.class, () -> PemFiles.certificates(broken));
    }
}
