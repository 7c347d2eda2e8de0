/**
 * Password authentication primitives, free of pooler policy and of Netty: classification of stored secrets
 * ({@link io.jbouncer.protocol.auth.StoredSecret}), MD5 ({@link io.jbouncer.protocol.auth.Md5Auth}), cleartext
 * checks ({@link io.jbouncer.protocol.auth.CleartextAuth}), SASLprep, and both roles of SCRAM-SHA-256
 * ({@link io.jbouncer.protocol.auth.ScramServer} for clients logging in to the pooler,
 * {@link io.jbouncer.protocol.auth.ScramClient} for the pooler logging in to PostgreSQL).
 *
 * <p>The APIs take and return the SASL payloads as {@code String}s (UTF-8 on the wire) and {@code byte[]}; the
 * caller moves them in and out of AuthenticationSASL* and SASL*Response messages. Only JDK cryptography is used.
 * Secret material never appears in {@code toString} or exception messages, and every comparison of secrets,
 * proofs or signatures is constant time ({@link java.security.MessageDigest#isEqual}).
 */
package io.jbouncer.protocol.auth;
