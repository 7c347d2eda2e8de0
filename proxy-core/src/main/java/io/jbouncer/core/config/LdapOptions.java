package io.jbouncer.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LDAP options for {@code auth_type = ldap} ({@code auth_ldap_options}) and for {@code ldap} lines of
 * {@code auth_hba_file}: PostgreSQL's LDAP options, which PgBouncer 1.25 takes over
 * (<a href="https://www.postgresql.org/docs/current/auth-ldap.html">LDAP authentication</a>).
 *
 * <p>Simple bind: the user's DN is {@code ldapprefix + user + ldapsuffix}. Search+bind: {@code ldapbasedn} is searched
 * (subtree) for {@code ldapsearchattribute=user} (default {@code uid}) or {@code ldapsearchfilter} with
 * {@code $username} replaced, binding first as {@code ldapbinddn}/{@code ldapbindpasswd} (anonymously without them);
 * the one entry found is then bound with the client's password. {@code ldapurl} sets server, port, base DN, search
 * attribute and filter at once. TLS to the LDAP server ({@code ldaptls = 1}, {@code ldapscheme = ldaps}, an
 * {@code ldaps://} URL) is refused: jbouncer has no TLS yet.
 *
 * @param servers space-separated host names, tried in order
 * @param port    0 = the default (389)
 */
public record LdapOptions(String servers, int port, String prefix, String suffix, String baseDn, String bindDn,
                          String bindPassword, String searchAttribute, String searchFilter) {

    private static final int DEFAULT_PORT = 389;

    /** Whether this is search+bind (a base DN is set), not simple bind. */
    public boolean searchBind() {
        return baseDn != null;
    }

    /** The JNDI provider URLs, one per server, space-separated (JNDI tries them in order). */
    public String providerUrls() {
        StringBuilder urls = new StringBuilder();
        for (String server : servers.trim().split("\\s+")) {
            urls.append(urls.isEmpty() ? "" : " ").append("ldap://").append(server).append(':')
                    .append(port > 0 ? port : DEFAULT_PORT);
        }
        return urls.toString();
    }

    /** Never prints the bind password. */
    @Override
    public String toString() {
        return "LdapOptions[" + providerUrls() + (searchBind() ? ", search+bind " + baseDn : ", simple bind") + "]";
    }

    /**
     * Parses {@code key=value} pairs separated by blanks; a value may be double-quoted (to hold blanks or commas).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static LdapOptions parse(String text) {
        return of(pairs(text));
    }

    /** Builds the options from parsed pairs ({@code auth_hba_file} tokenizes its line itself). */
    static LdapOptions of(Map<String, String> options) {
        Map<String, String> o = new LinkedHashMap<>(options);
        String url = o.remove("ldapurl");
        String server = o.remove("ldapserver");
        int port = 0;
        String baseDn = o.remove("ldapbasedn");
        String attribute = o.remove("ldapsearchattribute");
        String filter = o.remove("ldapsearchfilter");
        if (url != null) {
            UrlParts parts = UrlParts.parse(url);
            server = parts.host();
            port = parts.port();
            baseDn = parts.baseDn();
            attribute = parts.attribute() != null ? parts.attribute() : attribute;
            filter = parts.filter() != null ? parts.filter() : filter;
        }
        String portText = o.remove("ldapport");
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid ldapport: " + portText);
            }
        }
        String scheme = o.remove("ldapscheme");
        String tls = o.remove("ldaptls");
        if ("ldaps".equals(scheme) || "1".equals(tls)) {
            throw new IllegalArgumentException("TLS to the LDAP server (ldaps, ldaptls) is not supported yet");
        }
        if (scheme != null && !scheme.equals("ldap")) {
            throw new IllegalArgumentException("invalid ldapscheme: " + scheme);
        }
        String prefix = o.remove("ldapprefix");
        String suffix = o.remove("ldapsuffix");
        String bindDn = o.remove("ldapbinddn");
        String bindPassword = o.remove("ldapbindpasswd");
        if (!o.isEmpty()) {
            throw new IllegalArgumentException("unrecognized LDAP option: " + o.keySet().iterator().next());
        }
        if (server == null || server.isBlank()) {
            throw new IllegalArgumentException("LDAP authentication needs ldapserver or ldapurl");
        }
        boolean simple = prefix != null || suffix != null;
        boolean search = baseDn != null || bindDn != null || bindPassword != null || attribute != null
                || filter != null;
        if (simple && search) {
            throw new IllegalArgumentException("cannot mix options for simple bind and search+bind modes");
        }
        if (search && baseDn == null) {
            throw new IllegalArgumentException("search+bind needs ldapbasedn");
        }
        if (attribute != null && filter != null) {
            throw new IllegalArgumentException("cannot use ldapsearchattribute together with ldapsearchfilter");
        }
        return new LdapOptions(server, port, prefix == null ? "" : prefix, suffix == null ? "" : suffix, baseDn,
                bindDn, bindPassword, attribute, filter);
    }

    private static Map<String, String> pairs(String text) {
        Map<String, String> pairs = new LinkedHashMap<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            if (Character.isWhitespace(text.charAt(i))) {
                i++;
                continue;
            }
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                throw new IllegalArgumentException("expected key=value: " + text.substring(i));
            }
            String key = text.substring(i, eq).trim();
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < n && text.charAt(i) == '"') {
                int end = text.indexOf('"', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated quoted value for " + key);
                }
                value.append(text, i + 1, end);
                i = end + 1;
            } else {
                while (i < n && !Character.isWhitespace(text.charAt(i))) {
                    value.append(text.charAt(i++));
                }
            }
            pairs.put(key, value.toString());
        }
        return pairs;
    }

    /** {@code ldap://host[:port]/basedn[?attribute[?scope[?filter]]]} (RFC 4516; scope must be {@code sub}). */
    private record UrlParts(String host, int port, String baseDn, String attribute, String filter) {
        static UrlParts parse(String url) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("invalid ldapurl: " + url);
            }
            if ("ldaps".equals(uri.getScheme())) {
                throw new IllegalArgumentException("TLS to the LDAP server (ldaps, ldaptls) is not supported yet");
            }
            if (!"ldap".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("invalid ldapurl: " + url);
            }
            String path = uri.getPath();
            String baseDn = path == null || path.length() <= 1 ? null : path.substring(1);
            String[] query = uri.getQuery() == null ? new String[0] : uri.getQuery().split("\\?", -1);
            String attribute = query.length > 0 && !query[0].isEmpty() ? query[0] : null;
            if (query.length > 1 && !query[1].isEmpty() && !query[1].equals("sub")) {
                throw new IllegalArgumentException("ldapurl scope must be sub: " + url);
            }
            String filter = query.length > 2 && !query[2].isEmpty() ? query[2] : null;
            return new UrlParts(uri.getHost(), Math.max(uri.getPort(), 0), baseDn, attribute, filter);
        }
    }
}
