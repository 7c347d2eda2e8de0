package io.jbouncer.core.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads {@code pgbouncer.ini} the way PgBouncer's {@code load_config()} does (libusual {@code cf_load_file} with
 * PgBouncer's section handlers), for a fresh start:
 * <ul>
 *   <li>sections are {@code [pgbouncer]}, {@code [databases]}, {@code [users]}, {@code [peers]} (case-sensitive);
 *       any other is an error, and a file without {@code [pgbouncer]} is refused;</li>
 *   <li>each {@code [pgbouncer]} header first resets every key that has a non-NULL default, so a second
 *       {@code [pgbouncer]} section wipes what the first one set (keys whose default is NULL, such as
 *       {@code auth_file}, keep their value, exactly as in PgBouncer);</li>
 *   <li>a repeated key or entry name: the later line wins;</li>
 *   <li>the first bad line stops the load with a {@link ConfigException}.</li>
 * </ul>
 * Cross-field rules that PgBouncer checks only later (TLS key/cert presence, {@code auth_type=any} without forced
 * users, per-database {@code auth_dbname=pgbouncer}) are not load errors and are left to their users.
 */
public final class ConfigLoader {

    private static final String MAIN_SECTION = "pgbouncer";

    private ConfigLoader() {
    }

    /**
     * Reads {@code iniFile} and everything it includes.
     *
     * @throws ConfigException for the first problem that makes PgBouncer refuse the file
     */
    public static Config load(Path iniFile) throws ConfigException {
        Loading loading = new Loading(iniFile);
        IniParser.parse(iniFile, loading);
        if (!loading.gotMainSection) {
            throw new ConfigException(iniFile.toString(), 0, "", "main section missing from config file");
        }
        return new Config(iniFile, loading.values, loading.explicitlySet, loading.databases, loading.users,
                loading.peers, loading.autodbConnstr, loading.warnings);
    }

    /** The state of one load: PgBouncer's globals and object lists, built line by line. */
    private static final class Loading implements IniParser.Handler {

        private final Map<String, Object> values = new HashMap<>();
        private final Set<String> explicitlySet = new LinkedHashSet<>();
        private final Map<String, DatabaseDef> databases = new LinkedHashMap<>();
        private final Map<String, UserDef> users = new LinkedHashMap<>();
        private final Map<Integer, PeerDef> peers = new TreeMap<>();
        private final List<String> warnings = new ArrayList<>();
        private String autodbConnstr;
        private String section;
        private boolean gotMainSection;

        Loading(Path iniFile) {
            for (Settings.Setting setting : Settings.rows()) {
                values.put(setting.name(), setting.defaultValue() == null ? null
                        : setting.type().parse(setting.defaultValue()));
            }
            // PgBouncer's conffile variable starts as the command-line argument.
            values.put("conffile", iniFile.toString());
        }

        @Override
        public void section(String name, String file, int line) throws ConfigException {
            switch (name) {
                case MAIN_SECTION -> resetToDefaults();
                case "databases", "users", "peers" -> { }
                default -> throw new ConfigException(file, line, "", "invalid section \"" + name
                        + "\" in configuration (" + file + ":" + line + ")");
            }
            section = name;
        }

        /** libusual's {@code fill_defaults()}: keys whose default is NULL are left alone. */
        private void resetToDefaults() {
            gotMainSection = true;
            for (Settings.Setting setting : Settings.rows()) {
                if (setting.defaultValue() != null) {
                    values.put(setting.name(), setting.type().parse(setting.defaultValue()));
                    explicitlySet.remove(setting.name());
                }
            }
        }

        @Override
        public void entry(String key, String value, String file, int line) throws ConfigException {
            if (section == null) {
                throw new ConfigException(file, line, key, "load_init_file: value without section: " + key);
            }
            try {
                switch (section) {
                    case MAIN_SECTION -> setting(key, value, file, line);
                    case "databases" -> database(key, value);
                    case "users" -> users.put(key, SectionEntries.user(key, value));
                    default -> {
                        PeerDef peer = SectionEntries.peer(key, value);
                        peers.put(peer.id(), peer);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file, line, key, e.getMessage() + "; " + invalidValue(key, value, file,
                        line));
            }
        }

        private void setting(String key, String value, String file, int line) throws ConfigException {
            Settings.Setting setting = Settings.find(key);
            if (setting == null) {
                throw new ConfigException(file, line, key, "unknown parameter: " + MAIN_SECTION + "/" + key);
            }
            try {
                values.put(key, setting.type().parse(value));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file, line, key, invalidValue(key, value, file, line) + "; expected "
                        + setting.type().expected());
            }
            explicitlySet.add(key);
        }

        private void database(String name, String connstr) {
            if (name.equals(DatabaseDef.AUTO_DATABASE)) {
                autoDatabase(connstr);
                return;
            }
            DatabaseDef def = SectionEntries.database(name, connstr);
            DatabaseDef previous = databases.get(name);
            if (previous != null && previous.user() != null && def.user() == null) {
                warnings.add("database " + name + ": losing forced user not supported, keeping old setting");
                def = def.withForcedUser(previous.user(), previous.password());
            }
            databases.put(name, def);
        }

        /** PgBouncer only stores the {@code *} string here and parses it when an auto-database is needed. */
        private void autoDatabase(String connstr) {
            autodbConnstr = connstr;
            try {
                databases.put(DatabaseDef.AUTO_DATABASE, SectionEntries.database(DatabaseDef.AUTO_DATABASE, connstr));
            } catch (IllegalArgumentException e) {
                databases.remove(DatabaseDef.AUTO_DATABASE);
                warnings.add("database *: " + e.getMessage() + "; auto-databases cannot be registered");
            }
        }

        private static String invalidValue(String key, String value, String file, int line) {
            return "invalid value \"" + value + "\" for parameter " + key + " in configuration (" + file + ":"
                    + line + ")";
        }
    }
}
