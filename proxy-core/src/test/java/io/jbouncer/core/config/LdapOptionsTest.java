package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LdapOptionsTest {

    @Test
    void simpleBindWithQuotedPrefixAndSuffix() {
        LdapOptions options = LdapOptions.parse(
                "ldapserver=\"ldap1 ldap2\" ldapport=1389 ldapprefix=\"uid=\" ldapsuffix=\",ou=people,dc=x\"");

        assertFalse(options.searchBind());
        assertEquals("ldap://ldap1:1389 ldap://ldap2:1389", options.providerUrls());
        assertEquals("uid=", options.prefix());
        assertEquals(",ou=people,dc=x", options.suffix());
    }

    @Test
    void urlSetsServerPortBaseAttributeAndFilter() {
        LdapOptions options = LdapOptions.parse("ldapurl=\"ldap://127.0.0.1:12345/dc=example,dc=net?cn?sub\"");

        assertTrue(options.searchBind());
        assertEquals("ldap://127.0.0.1:12345", options.providerUrls());
        assertEquals("dc=example,dc=net", options.baseDn());
        assertEquals("cn", options.searchAttribute());
        assertNull(options.searchFilter());
    }

    @Test
    void searchBindWithBindDnAndDefaultPort() {
        LdapOptions options = LdapOptions.parse("ldapserver=ldap ldapbasedn=dc=x ldapbinddn=cn=reader,dc=x"
                + " ldapbindpasswd=secret ldapsearchfilter=\"(mail=$username)\"");

        assertEquals("ldap://ldap:389", options.providerUrls());
        assertEquals("cn=reader,dc=x", options.bindDn());
        assertEquals("(mail=$username)", options.searchFilter());
        assertFalse(options.toString().contains("secret"), "the bind password is never printed");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ldapport=389                                     | LDAP authentication needs ldapserver or ldapurl",
        "ldapserver=a ldapprefix=uid= ldapbasedn=dc=x      | cannot mix options for simple bind and search+bind modes",
        "ldapserver=a ldapsearchattribute=uid              | search+bind needs ldapbasedn",
        "ldapserver=a ldaptls=1 ldapprefix=x               | TLS to the LDAP server (ldaps, ldaptls) is not supported yet",
        "ldapurl=ldaps://a/dc=x                           | TLS to the LDAP server (ldaps, ldaptls) is not supported yet",
        "ldapurl=ldap://a/dc=x?uid?one                    | ldapurl scope must be sub: ldap://a/dc=x?uid?one",
        "ldapserver=a ldapport=x ldapprefix=u             | invalid ldapport: x",
        "ldapserver=a ldapfoo=1                           | unrecognized LDAP option: ldapfoo",
        "ldapserver=a ldapprefix=\"uid=                   | unterminated quoted value for ldapprefix",
    })
    void invalidOptionsAreRefusedWithTheReason(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LdapOptions.parse(text));

        assertEquals(message, e.getMessage());
    }
}
