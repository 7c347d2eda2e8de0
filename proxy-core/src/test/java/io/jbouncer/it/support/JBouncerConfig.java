package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a {@code pgbouncer.ini} and its {@code userlist.txt} in a fresh temporary directory, for a
 * {@link JBouncerProcess} to run.
 *
 * <p>Defaults: {@code listen_addr = 127.0.0.1}, a free {@code listen_port}, {@code unix_socket_dir} = the
 * directory, {@code auth_type = md5} (PgBouncer's default) and {@code auth_file} = the directory's
 * {@code userlist.txt}. {@link #set} overrides any of them. {@link #write} may be called again after changes, for
 * example before a {@code RELOAD} or {@code SIGHUP}.
 */
public final class JBouncerConfig {

    private static final String INI = "pgbouncer.ini";
    private static final String USERLIST = "userlist.txt";

    private final Path dir;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> databases = new LinkedHashMap<>();
    private final Map<String, String> users = new LinkedHashMap<>();
    private final Map<String, String> userEntries = new LinkedHashMap<>();
    private final Map<Integer, String> peers = new LinkedHashMap<>();

    private JBouncerConfig(Path dir) {
        this.dir = dir;
        settings.put("listen_addr", "127.0.0.1");
        settings.put("listen_port", Integer.toString(FreePort.find()));
        settings.put("unix_socket_dir", dir.toString());
        settings.put("auth_type", "md5");
        settings.put("auth_file", dir.resolve(USERLIST).toString());
    }

    /**
     * A configuration with the defaults above in a new directory under the system temp dir, which the IT class's
     * {@link BouncerExtension} deletes once the class passed (see {@link ConfigDirectories}).
     */
    public static JBouncerConfig create() {
        return new JBouncerConfig(ConfigDirectories.make());
    }

    /**
     * A configuration with {@code auth_type = trust}, {@code pg}'s database {@value PostgresCluster#DB} and its
     * user {@value PostgresCluster#TRUST_USER}: what {@link RawLogin#trusted} logs in to.
     */
    public static JBouncerConfig trust(PostgresCluster pg) {
        return create()
                .set("auth_type", "trust")
                .database(PostgresCluster.DB, pg.connstring(PostgresCluster.DB))
                .user(PostgresCluster.TRUST_USER, "");
    }

    /** Adds or replaces the {@code [databases]} entry {@code name = connstring}. */
    public JBouncerConfig database(String name, String connstring) {
        databases.put(name, connstring);
        return this;
    }

    /** Removes the {@code [databases]} entry {@code name}, if there is one (for a reload that drops it). */
    public JBouncerConfig removeDatabase(String name) {
        databases.remove(name);
        return this;
    }

    /** Sets a {@code [pgbouncer]} setting, replacing a default or an earlier value. */
    public JBouncerConfig set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** Adds or replaces the {@code userlist.txt} line of {@code name}; {@code secret} is plain, md5 or SCRAM. */
    public JBouncerConfig user(String name, String secret) {
        users.put(name, secret);
        return this;
    }

    /** Adds or replaces the {@code [users]} entry {@code name = settings} (per-user pool settings). */
    public JBouncerConfig userEntry(String name, String settings) {
        userEntries.put(name, settings);
        return this;
    }

    /** Adds or replaces the {@code [peers]} entry {@code id = settings} ({@code host=... port=... pool_size=...}). */
    public JBouncerConfig peer(int id, String settings) {
        peers.put(id, settings);
        return this;
    }

    /** The Unix socket this configuration listens on: {@code <unix_socket_dir>/.s.PGSQL.<listen_port>}. */
    public Path unixSocket() {
        return Path.of(settings.get("unix_socket_dir"), ".s.PGSQL." + port());
    }

    /** The TCP port clients connect to ({@code listen_port}). */
    public int port() {
        return Integer.parseInt(settings.get("listen_port"));
    }

    /** The directory holding the ini, the userlist, the Unix socket and the process log. */
    public Path dir() {
        return dir;
    }

    /** Writes (or rewrites) {@code pgbouncer.ini} and {@code userlist.txt}; returns the ini's path. */
    public Path write() {
        StringBuilder ini = new StringBuilder("[databases]\n");
        databases.forEach((name, connstring) -> ini.append(name).append(" = ").append(connstring).append('\n'));
        ini.append("\n[pgbouncer]\n");
        settings.forEach((key, value) -> ini.append(key).append(" = ").append(value).append('\n'));
        if (!userEntries.isEmpty()) {
            ini.append("\n[users]\n");
            userEntries.forEach((name, entry) -> ini.append(name).append(" = ").append(entry).append('\n'));
        }
        if (!peers.isEmpty()) {
            ini.append("\n[peers]\n");
            peers.forEach((id, entry) -> ini.append(id).append(" = ").append(entry).append('\n'));
        }
        StringBuilder userlist = new StringBuilder();
        users.forEach((name, secret) -> userlist.append(quoted(name)).append(' ').append(quoted(secret)).append('\n'));
        Path iniFile = dir.resolve(INI);
        try {
            Files.writeString(dir.resolve(USERLIST), userlist, StandardCharsets.UTF_8);
            Files.writeString(iniFile, ini, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config in " + dir, e);
        }
        return iniFile;
    }

    /** auth_file quoting: the field in double quotes, an embedded quote doubled. */
    private static String quoted(String field) {
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
