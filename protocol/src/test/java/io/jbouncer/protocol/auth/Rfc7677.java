package io.jbouncer.protocol.auth;

import java.util.Base64;

/** The SCRAM-SHA-256 example exchange of RFC 7677 section 3 (user "user", password "pencil"). */
final class Rfc7677 {
    static final String PASSWORD = "pencil";
    static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static final String CLIENT_FIRST = "n,,n=user,r=" + CLIENT_NONCE;
    static final String SERVER_FIRST = "r=" + CLIENT_NONCE + SERVER_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    static final String CLIENT_FINAL_WITHOUT_PROOF = "c=biws,r=" + CLIENT_NONCE + SERVER_NONCE;
    static final String CLIENT_FINAL =
            CLIENT_FINAL_WITHOUT_PROOF + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private Rfc7677() {
    }

    static StoredSecret.Scram secret() {
        return StoredSecret.Scram.fromPassword(PASSWORD, Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
    }

    static ScramServer server() {
        return new ScramServer(secret(), false, SERVER_NONCE);
    }
}
