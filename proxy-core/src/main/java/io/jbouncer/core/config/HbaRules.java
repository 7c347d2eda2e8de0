package io.jbouncer.core.config;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;

/**
 * Login rules: those of {@code auth_hba_file} for {@code auth_type = hba} (PgBouncer's subset of {@code pg_hba.conf},
 * config.md), where the first rule matching the connection type, database, user and address gives the method,
 * or the one {@code ldap} rule for everyone that {@code auth_type = ldap} amounts to. Immutable; made by
 * {@link HbaFile}.
 *
 * @param rules in file order
 * @param ident the maps of {@code auth_ident_file} that {@code map=} options name
 */
public record HbaRules(List<Rule> rules, IdentMap ident) {

    /** No rules: every login is refused with {@code no authentication method is found}. */
    public static final HbaRules NONE = new HbaRules(List.of(), IdentMap.NONE);

    /** The methods jbouncer supports in a rule. */
    public enum Method {
        TRUST, REJECT, MD5, PASSWORD, SCRAM_SHA_256, PEER, LDAP, CERT;

        /**
         * The client authentication against a stored secret this method runs; {@code null} for REJECT, PEER and LDAP,
         * which use none.
         */
        public AuthType authType() {
            return switch (this) {
                case TRUST -> AuthType.TRUST;
                case MD5 -> AuthType.MD5;
                case PASSWORD -> AuthType.PLAIN;
                case SCRAM_SHA_256 -> AuthType.SCRAM_SHA_256;
                case CERT -> AuthType.CERT;
                case REJECT, PEER, LDAP -> null;
            };
        }
    }

    /**
     * {@code local} matches the Unix socket; {@code host} any TCP connection, {@code hostssl} one that completed a
     * TLS handshake, {@code hostnossl} one that did not.
     */
    public enum ConnectionType { LOCAL, HOST, HOSTSSL, HOSTNOSSL }

    /**
     * A database or user field: {@code all}, or a set of names; for databases also {@code sameuser} and
     * {@code replication}.
     *
     * @param all         matches every name, except (databases) a physical replication connection
     * @param sameUser    (databases only) matches the database named like the user
     * @param replication (databases only) matches a physical replication connection, and only that, as in
     *                    PostgreSQL's {@code pg_hba.conf}
     * @param names       the listed names (from the line and its {@code @file}s)
     */
    public record Names(boolean all, boolean sameUser, boolean replication, Set<String> names) {
        boolean matches(String name, String user) {
            return all || names.contains(name) || sameUser && name.equals(user);
        }

        boolean matchesDatabase(String database, String user, boolean physicalReplication) {
            return physicalReplication ? replication : matches(database, user);
        }
    }

    /**
     * One line.
     *
     * @param network the addresses it applies to ({@code null}: any address, or a {@code local} line)
     * @param ldap    the LDAP options of an {@code ldap} rule, else {@code null}
     * @param map     the {@code map=} of a {@code peer} or {@code cert} rule, else {@code null}
     */
    public record Rule(int line, ConnectionType type, Names databases, Names users, Cidr network,
                       Method method, LdapOptions ldap, String map) {

        boolean matches(SocketAddress remote, boolean tls, String database, String user,
                boolean physicalReplication) {
            boolean unix = !(remote instanceof InetSocketAddress);
            boolean typeMatches = switch (type) {
                case LOCAL -> unix;
                case HOST -> !unix;
                case HOSTSSL -> !unix && tls;
                case HOSTNOSSL -> !unix && !tls;
            };
            if (!typeMatches) {
                return false;
            }
            if (!databases.matchesDatabase(database, user, physicalReplication) || !users.matches(user, user)) {
                return false;
            }
            return unix || network == null || network.contains(((InetSocketAddress) remote).getAddress());
        }
    }

    public HbaRules {
        rules = List.copyOf(rules);
    }

    /** {@code auth_type = ldap}: every login, over TCP or the Unix socket, is checked against LDAP. */
    public static HbaRules ldapForAll(LdapOptions options) {
        Names all = new Names(true, false, true, Set.of());
        return new HbaRules(List.of(
                new Rule(0, ConnectionType.LOCAL, all, all, null, Method.LDAP, options, null),
                new Rule(0, ConnectionType.HOST, all, all, null, Method.LDAP, options, null)), IdentMap.NONE);
    }

    /**
     * Whether {@code rule} lets the system user {@code systemUser} (OS user or certificate name) log in as
     * {@code user}: the same name, or one its {@code map=} allows.
     */
    public boolean namesMatch(Rule rule, String systemUser, String user) {
        return systemUser != null
                && (rule.map() == null ? systemUser.equals(user) : ident.allows(rule.map(), systemUser, user));
    }

    /**
     * The first rule matching a login, or {@code null} when none does ({@code no authentication method is found}).
     *
     * @param remote   the client's address: an {@link InetSocketAddress} for TCP, a {@link DomainSocketAddress}
     *                 (or {@code null}) for the Unix socket
     * @param tls      whether the client completed a TLS handshake
     * @param database the database name the client asked for (the console is {@code pgbouncer})
     * @param physicalReplication whether the client asked for physical replication ({@code replication=true}):
     *                 only rules whose database field has {@code replication} match it
     */
    public Rule ruleFor(SocketAddress remote, boolean tls, String database, String user,
            boolean physicalReplication) {
        for (Rule rule : rules) {
            if (rule.matches(remote, tls, database, user, physicalReplication)) {
                return rule;
            }
        }
        return null;
    }
}
