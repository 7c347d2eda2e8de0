package io.jbouncer.core.config;

import java.util.List;
import java.util.Map;

/**
 * {@code auth_ident_file} (PgBouncer 1.23+, PostgreSQL's {@code pg_ident.conf} without regular expressions or
 * includes): for the {@code map=} option of {@code peer} and {@code cert} lines in {@code auth_hba_file}, which
 * system user (the OS user of a Unix-socket peer, the common name of a client certificate) may log in as which
 * user. Immutable; read by {@link HbaFile}.
 *
 * @param maps the entries of each map name, in file order
 */
public record IdentMap(Map<String, List<Entry>> maps) {

    /** No maps: only lines without {@code map=} may be used. */
    public static final IdentMap NONE = new IdentMap(Map.of());

    /** One line: {@code systemUser} may log in as {@code user} ({@code all}: as anyone). */
    public record Entry(String systemUser, String user) {
    }

    public IdentMap {
        maps = Map.copyOf(maps);
    }

    /** Whether the file defines map {@code name}. */
    public boolean has(String name) {
        return maps.containsKey(name);
    }

    /** Whether map {@code name} lets {@code systemUser} log in as {@code user}. */
    public boolean allows(String name, String systemUser, String user) {
        return maps.getOrDefault(name, List.of()).stream().anyMatch(entry -> entry.systemUser().equals(systemUser)
                && (entry.user().equals("all") || entry.user().equals(user)));
    }
}
