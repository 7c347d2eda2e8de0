package io.jbouncer.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PgBouncer's login error texts land in a fixed set of reasons; names inside a text never become a label. */
class LoginRefusalTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "password authentication failed|authentication",
        "SASL authentication failed|authentication",
        "\"trust\" authentication failed|authentication",
        "client selected an invalid SASL authentication mechanism|authentication",
        "no more connections allowed (max_client_conn)|max_client_conn",
        "no such database: shop_42|no_such_database",
        "database \"shop_42\" is disabled|database_disabled",
        "pooler is shutting down|shutting_down",
        "not allowed|not_allowed",
        "login rejected|login_rejected",
        "no username supplied|other",
        "username too long|other",
        "bouncer config error|other"})
    void classifiesPgBouncersTexts(String message, String label) {
        assertEquals(label, LoginRefusal.of(message).label());
    }
}
