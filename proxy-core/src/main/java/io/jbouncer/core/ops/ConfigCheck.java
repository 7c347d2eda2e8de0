package io.jbouncer.core.ops;

import io.jbouncer.core.config.AuthFile;
import io.jbouncer.core.config.HbaFile;
import io.jbouncer.core.config.AuthType;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.core.config.DatabaseDef;
import io.jbouncer.core.config.SettingSupport;
import io.jbouncer.core.net.Transport;
import io.jbouncer.core.tls.TlsContexts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jbouncer --check}: the problems a config would cause, found without starting anything, so scripts can
 * validate files before they signal a running jbouncer.
 *
 * <p>Reported, each as {@code file:line: key: message} (the {@code key: } part left out when no key applies, line 0
 * when no line does):
 * <ul>
 *   <li>the first error that makes {@link ConfigLoader} refuse {@code pgbouncer.ini} or an included file; loading
 *       stops there as in PgBouncer, so later lines are not checked and nothing else is reported;</li>
 *   <li>an {@code auth_file} that cannot be read, or its first malformed line ({@code broken auth file}, name or
 *       password too long), after which PgBouncer ignores the rest of the file; not checked with
 *       {@code auth_type=any}, where PgBouncer does not load it;</li>
 *   <li>with {@code auth_type=hba}, a missing or unreadable {@code auth_hba_file} or its first line jbouncer cannot
 *       apply ({@link io.jbouncer.core.config.HbaFile});</li>
 *   <li>with {@code auth_type=any}, every database (including the {@code *} fallback) without a forced
 *       {@code user=}: PgBouncer loads such a file but refuses every login to it with {@code bouncer config
 *       error};</li>
 *   <li>every value jbouncer does not support yet ({@link SettingSupport}), at the line that set it: start-up and
 *       reload refuse such a file;</li>
 *   <li>TLS: a key, certificate or CA file that is missing or unreadable, a mode that needs files it lacks
 *       ({@code client_tls_sslmode} other than {@code disable} without key and certificate, {@code auth_type=cert}
 *       without {@code verify-full} and a CA file), bad protocols or ciphers: what would stop jbouncer from
 *       starting;</li>
 *   <li>an {@code io_transport} (epoll, io_uring) that cannot load on this machine.</li>
 * </ul>
 * Relative {@code auth_file} and {@code %include} paths are resolved against the working directory, as PgBouncer
 * does, so run the check where jbouncer runs.
 */
public final class ConfigCheck {

    private ConfigCheck() {
    }

    /** Every problem found in {@code ini}, in file order; empty when jbouncer would load it cleanly. */
    public static List<String> check(Path ini) {
        Config config;
        try {
            config = ConfigLoader.load(ini);
        } catch (ConfigException e) {
            return List.of(e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        Map<String, String> locations = new HashMap<>();
        new EntryLocator(locations).scan(ini, 0);
        try {
            HbaFile.forConfig(config);
        } catch (ConfigException e) {
            problems.add(e.getMessage());
        }
        try {
            TlsContexts.build(config);
        } catch (ConfigException e) {
            problems.add(e.getMessage());
        }
        try {
            Transport.select(config);
        } catch (ConfigException e) {
            String where = locations.getOrDefault(EntryLocator.key("pgbouncer", e.key()), ini + ":0");
            problems.add(where + ": " + e.key() + ": " + e.detail());
        }
        if (config.authType() == AuthType.ANY) {
            problems.addAll(databasesWithoutForcedUser(ini, config, locations));
        } else if (config.authFile() != null && !config.authFile().isEmpty()) {
            problems.addAll(authFileProblems(config.authFile()));
        }
        for (SettingSupport.Refusal refusal : SettingSupport.refusals(config)) {
            String where = locations.getOrDefault(EntryLocator.key(refusal.section(), refusal.entry()), ini + ":0");
            problems.add(where + ": " + refusal.message());
        }
        return problems;
    }

    private static List<String> authFileProblems(String authFile) {
        try {
            AuthFile.Result result = AuthFile.read(Path.of(authFile));
            return result.broken()
                    ? List.of(new ConfigException(authFile, result.problemLine(), "", result.problem()).getMessage())
                    : List.of();
        } catch (ConfigException e) {
            return List.of(e.getMessage());
        } catch (InvalidPathException e) {
            return List.of(new ConfigException(authFile, 0, "auth_file", "could not open auth_file " + authFile
                    + ": " + e.getMessage()).getMessage());
        }
    }

    private static List<String> databasesWithoutForcedUser(Path ini, Config config, Map<String, String> locations) {
        List<String> problems = new ArrayList<>();
        for (DatabaseDef db : config.databases().values()) {
            if (db.user() == null) {
                String where = locations.getOrDefault(EntryLocator.key("databases", db.name()), ini + ":0");
                problems.add(where + ": " + db.name() + ": auth_type=any needs a forced user= for every database;"
                        + " logins to it fail with \"bouncer config error\"");
            }
        }
        return problems;
    }

    /**
     * Finds the {@code file:line} of each entry of each section, following {@code %include}s as the loader does
     * (the section carries over into and out of included files; the last definition wins). Only runs on files the
     * loader has just accepted, so it need not report errors.
     */
    private static final class EntryLocator {

        private static final String INCLUDE = "%include";
        /** libusual's {@code MAX_INCLUDE}; the loader has already refused deeper nesting. */
        private static final int MAX_INCLUDE = 10;

        private final Map<String, String> locations;
        private String section;

        EntryLocator(Map<String, String> locations) {
            this.locations = locations;
        }

        /** The key under which the location of {@code entry} of {@code section} is kept. */
        static String key(String section, String entry) {
            return section + "/" + entry;
        }

        void scan(Path file, int depth) {
            List<String> lines;
            try {
                lines = TextLines.of(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).lines();
            } catch (IOException | InvalidPathException e) {
                return;
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String rest = line.substring(TextLines.skipBlanks(line, 0));
                String header = DatabaseLines.sectionName(line);
                DatabaseLines.Entry entry = DatabaseLines.entry(line);
                if (rest.startsWith(INCLUDE + " ") || rest.startsWith(INCLUDE + "\t")) {
                    if (depth < MAX_INCLUDE) {
                        scan(Path.of(TextLines.decode(rest.substring(INCLUDE.length()).strip())), depth + 1);
                    }
                } else if (header != null) {
                    section = header;
                } else if (section != null && entry != null) {
                    locations.put(key(section, TextLines.decode(entry.key())), file + ":" + (i + 1));
                }
            }
        }
    }
}
