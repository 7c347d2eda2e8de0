package io.jbouncer.core.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code auth_hba_file}: PgBouncer's subset of {@code pg_hba.conf} (config.md, HBA file format; PostgreSQL's
 * <a href="https://www.postgresql.org/docs/current/auth-pg-hba-conf.html">pg_hba.conf</a> syntax).
 *
 * <p>Supported: connection types {@code local}, {@code host}, {@code hostssl}, {@code hostnossl}; database lists with
 * {@code all},
 * {@code sameuser}, {@code replication} (physical replication connections, which {@code all} does not match), names and
 * {@code @file}; user lists with {@code all}, names and {@code @file}; addresses {@code all}, CIDR or address and mask;
 * methods {@code trust}, {@code reject}, {@code md5}, {@code password}, {@code scram-sha-256}, {@code peer},
 * {@code cert} (the TLS client certificate's common name must be the user name), and {@code ldap} with its
 * {@link LdapOptions}.
 *
 * <p>PgBouncer skips a line it cannot use with a warning; jbouncer refuses the whole file, naming the line, so a rule
 * that would silently not apply (LDAP over TLS, {@code map=}, {@code +group}, {@code samerole}, host names) stops
 * start-up, {@code --check} and a reload instead.
 */
public final class HbaFile {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Path file;
    private int lineNumber;

    private HbaFile(Path file) {
        this.file = file;
    }

    /**
     * Reads and checks the whole file.
     *
     * @throws ConfigException naming the first line jbouncer cannot apply, or an unreadable file
     */
    public static HbaRules load(Path file) throws ConfigException {
        return new HbaFile(file).read();
    }

    /**
     * The login rules {@code config} needs: those of its {@code auth_hba_file} with {@code auth_type = hba} (PgBouncer
     * reads the file only then), one {@code ldap} rule for everyone with {@code auth_type = ldap}, else
     * {@link HbaRules#NONE}.
     *
     * @throws ConfigException as {@link #load}, when {@code auth_type = hba} has no {@code auth_hba_file}, or when
     *                         {@code auth_ldap_options} are missing or invalid with {@code auth_type = ldap}
     */
    public static HbaRules forConfig(Config config) throws ConfigException {
        if (config.authType() == AuthType.LDAP) {
            try {
                return HbaRules.ldapForAll(LdapOptions.parse(
                        config.authLdapOptions() == null ? "" : config.authLdapOptions()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(config.conffile(), 0, "auth_ldap_options", e.getMessage());
            }
        }
        if (config.authType() != AuthType.HBA) {
            return HbaRules.NONE;
        }
        String name = config.authHbaFile();
        if (name == null || name.isEmpty()) {
            throw new ConfigException(config.conffile(), 0, "auth_hba_file", "auth_type = hba needs auth_hba_file");
        }
        HbaRules rules = load(Path.of(name));
        String identFile = config.authIdentFile();
        IdentMap ident = identFile == null || identFile.isEmpty() ? IdentMap.NONE
                : new HbaFile(Path.of(identFile)).readIdent();
        for (HbaRules.Rule rule : rules.rules()) {
            if (rule.map() != null && !ident.has(rule.map())) {
                throw new ConfigException(name, rule.line(), "auth_hba_file", "map \"" + rule.map()
                        + "\" is not defined in auth_ident_file");
            }
        }
        return new HbaRules(rules.rules(), ident);
    }

    private HbaRules read() throws ConfigException {
        List<String> lines = readLines(file, "auth_hba_file");
        List<HbaRules.Rule> rules = new ArrayList<>();
        for (String line : lines) {
            lineNumber++;
            List<List<Token>> fields = fields(line);
            if (!fields.isEmpty()) {
                rules.add(rule(fields));
            }
        }
        return new HbaRules(rules, IdentMap.NONE);
    }

    /** {@code auth_ident_file}: lines {@code map system-user user}. */
    private IdentMap readIdent() throws ConfigException {
        Map<String, List<IdentMap.Entry>> maps = new LinkedHashMap<>();
        for (String line : readLines(file, "auth_ident_file")) {
            lineNumber++;
            List<List<Token>> fields = fields(line);
            if (fields.isEmpty()) {
                continue;
            }
            if (fields.size() != 3) {
                throw identError("expected map name, system user name and user name");
            }
            String systemUser = single(fields.get(1), "system user name");
            if (systemUser.startsWith("/")) {
                throw identError("regular expressions are not supported: " + systemUser);
            }
            maps.computeIfAbsent(single(fields.get(0), "map name"), map -> new ArrayList<>())
                    .add(new IdentMap.Entry(systemUser, single(fields.get(2), "user name")));
        }
        return new IdentMap(maps);
    }

    private ConfigException identError(String detail) {
        return new ConfigException(file.toString(), lineNumber, "auth_ident_file", detail);
    }

    /** A word of a field; a quoted word is a name even when it spells a keyword. */
    private record Token(String text, boolean quoted) {
        boolean is(String keyword) {
            return !quoted && text.equals(keyword);
        }
    }

    private HbaRules.Rule rule(List<List<Token>> fields) throws ConfigException {
        int next = 0;
        HbaRules.ConnectionType type = connectionType(single(fields.get(next++), "connection type"));
        if (fields.size() < (type == HbaRules.ConnectionType.LOCAL ? 4 : 5)) {
            throw error("end-of-line before authentication method");
        }
        HbaRules.Names databases = names(fields.get(next++), true);
        HbaRules.Names users = names(fields.get(next++), false);
        Cidr network = null;
        if (type != HbaRules.ConnectionType.LOCAL) {
            String address = single(fields.get(next++), "address");
            if (!address.equals("all")) {
                int slash = address.indexOf('/');
                if (slash >= 0) {
                    byte[] bytes = ipAddress(address.substring(0, slash));
                    network = new Cidr(bytes, prefixLength(address.substring(slash + 1), bytes.length * 8));
                } else {
                    byte[] bytes = ipAddress(address);
                    if (next >= fields.size() - 1) {
                        throw error("end-of-line before netmask");
                    }
                    network = new Cidr(bytes, maskLength(ipAddress(single(fields.get(next++), "netmask")),
                            bytes.length));
                }
            }
        }
        if (next >= fields.size()) {
            throw error("end-of-line before authentication method");
        }
        HbaRules.Method method = method(single(fields.get(next++), "authentication method"));
        LdapOptions ldap = null;
        String map = null;
        if (method == HbaRules.Method.LDAP) {
            ldap = ldapOptions(fields.subList(next, fields.size()));
        } else if ((method == HbaRules.Method.PEER || method == HbaRules.Method.CERT) && next == fields.size() - 1
                && single(fields.get(next), "option").startsWith("map=")) {
            map = single(fields.get(next), "option").substring("map=".length());
        } else if (next < fields.size()) {
            throw error("authentication options are not supported: " + fields.get(next).get(0).text());
        }
        return new HbaRules.Rule(lineNumber, type, databases, users, network, method, ldap, map);
    }

    /** The {@code name=value} options after {@code ldap}. */
    private LdapOptions ldapOptions(List<List<Token>> options) throws ConfigException {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (List<Token> option : options) {
            String text = single(option, "LDAP option");
            int eq = text.indexOf('=');
            if (eq <= 0) {
                throw error("expected name=value after ldap: " + text);
            }
            pairs.put(text.substring(0, eq), text.substring(eq + 1));
        }
        try {
            return LdapOptions.of(pairs);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private HbaRules.ConnectionType connectionType(String word) throws ConfigException {
        return switch (word) {
            case "local" -> HbaRules.ConnectionType.LOCAL;
            case "host" -> HbaRules.ConnectionType.HOST;
            case "hostssl" -> HbaRules.ConnectionType.HOSTSSL;
            case "hostnossl" -> HbaRules.ConnectionType.HOSTNOSSL;
            default -> throw error("unsupported connection type: " + word);
        };
    }

    private HbaRules.Method method(String word) throws ConfigException {
        return switch (word) {
            case "trust" -> HbaRules.Method.TRUST;
            case "reject" -> HbaRules.Method.REJECT;
            case "md5" -> HbaRules.Method.MD5;
            case "password" -> HbaRules.Method.PASSWORD;
            case "scram-sha-256" -> HbaRules.Method.SCRAM_SHA_256;
            case "peer" -> HbaRules.Method.PEER;
            case "cert" -> HbaRules.Method.CERT;
            case "ldap" -> HbaRules.Method.LDAP;
            default -> throw error("unsupported authentication method: " + word);
        };
    }

    private HbaRules.Names names(List<Token> field, boolean databases) throws ConfigException {
        boolean all = false;
        boolean sameUser = false;
        boolean replication = false;
        Set<String> names = new LinkedHashSet<>();
        for (Token token : field) {
            if (token.is("all")) {
                all = true;
            } else if (databases && token.is("sameuser")) {
                sameUser = true;
            } else if (databases && token.is("replication")) {
                replication = true;
            } else if (databases && (token.is("samerole") || token.is("samegroup"))) {
                throw error(token.text() + " is not supported");
            } else if (!databases && !token.quoted() && token.text().startsWith("+")) {
                throw error("group membership (" + token.text() + ") is not supported");
            } else if (!token.quoted() && token.text().startsWith("@")) {
                names.addAll(includedNames(token.text().substring(1)));
            } else {
                names.add(token.text());
            }
        }
        return new HbaRules.Names(all, sameUser, replication, Set.copyOf(names));
    }

    /** {@code @file}: names separated by blanks or commas, {@code #} comments, relative to the HBA file's directory. */
    private List<String> includedNames(String name) throws ConfigException {
        Path included = file.toAbsolutePath().getParent().resolve(name);
        List<String> names = new ArrayList<>();
        for (String line : readLines(included, "@" + name)) {
            int comment = line.indexOf('#');
            for (String word : (comment >= 0 ? line.substring(0, comment) : line).split("[\\s,]+")) {
                if (!word.isEmpty()) {
                    names.add(word.replace("\"", ""));
                }
            }
        }
        return names;
    }

    /** An address literal; host names are refused (PgBouncer resolves none). */
    private byte[] ipAddress(String text) throws ConfigException {
        if (!IPV4.matcher(text).matches() && !text.contains(":")) {
            throw error("host names are not supported: " + text);
        }
        try {
            return InetAddress.getByName(text).getAddress(); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw error("invalid IP address: " + text);
        }
    }

    private int prefixLength(String text, int maxBits) throws ConfigException {
        try {
            int bits = Integer.parseInt(text);
            if (bits >= 0 && bits <= maxBits) {
                return bits;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error("invalid CIDR mask: " + text);
    }

    private int maskLength(byte[] mask, int addressLength) throws ConfigException {
        if (mask.length != addressLength) {
            throw error("IP address and mask do not match");
        }
        int bits = 0;
        boolean ended = false;
        for (byte b : mask) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean set = (b >> bit & 1) == 1;
                if (set && ended) {
                    throw error("invalid netmask");
                }
                ended |= !set;
                bits += set ? 1 : 0;
            }
        }
        return bits;
    }

    private String single(List<Token> field, String what) throws ConfigException {
        if (field.size() != 1) {
            throw error("a list is not allowed for the " + what);
        }
        return field.get(0).text();
    }

    /**
     * Splits a line into fields of comma-separated tokens: blanks separate fields (except right after a comma),
     * {@code "..."} quotes a token, {@code #} starts a comment.
     */
    private List<List<Token>> fields(String line) throws ConfigException {
        List<List<Token>> fields = new ArrayList<>();
        List<Token> field = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '#') {
                break;
            }
            StringBuilder text = new StringBuilder();
            boolean quoted = false;
            while (i < n && !Character.isWhitespace(line.charAt(i)) && line.charAt(i) != ','
                    && line.charAt(i) != '#') {
                if (line.charAt(i) == '"') {
                    int end = line.indexOf('"', i + 1);
                    if (end < 0) {
                        throw error("unterminated quoted string");
                    }
                    text.append(line, i + 1, end);
                    quoted = true;
                    i = end + 1;
                } else {
                    text.append(line.charAt(i++));
                }
            }
            field.add(new Token(text.toString(), quoted));
            if (i < n && line.charAt(i) == ',') {
                i++;
                while (i < n && Character.isWhitespace(line.charAt(i))) {
                    i++;
                }
                continue; // the list goes on in the same field
            }
            fields.add(field);
            field = new ArrayList<>();
        }
        if (!field.isEmpty()) {
            fields.add(field);
        }
        return fields;
    }

    private List<String> readLines(Path path, String what) throws ConfigException {
        try {
            return Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, "auth_hba_file",
                    "could not open " + what + " " + path + ": " + e.getMessage());
        }
    }

    private ConfigException error(String detail) {
        return new ConfigException(file.toString(), lineNumber, "auth_hba_file", detail);
    }
}
