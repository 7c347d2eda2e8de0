package io.jbouncer.core.client;

import io.jbouncer.core.config.ReplicationMode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * PgBouncer's rules for a client's StartupMessage parameters (PgBouncer 1.25): which are accepted, which are
 * tracked (and so re-applied on whichever server the client gets), and how {@code options} is read.
 *
 * <p>Accepted: {@code user}, {@code database}, {@code options}, {@code replication} (read into a
 * {@link ReplicationMode}), {@code _pq_.*} (ignored),
 * the tracked parameters, and anything in {@code ignore_startup_parameters}. Anything else is refused with
 * {@code unsupported startup parameter: <p>}.
 */
public final class StartupParameters {
    /** The parameters PgBouncer always tracks; {@code track_extra_parameters} adds more (default IntervalStyle). */
    private static final List<String> ALWAYS_TRACKED = List.of(
            "DateStyle", "client_encoding", "TimeZone", "standard_conforming_strings", "application_name");

    /** The outcome: tracked values by canonical name and the replication mode asked for, or the refusal text. */
    public record Result(Map<String, String> tracked, ReplicationMode replication, String error) {
        static Result refused(String error) {
            return new Result(Map.of(), ReplicationMode.NONE, error);
        }
    }

    private final Map<String, String> trackedByLowerName = new LinkedHashMap<>();
    /** One immutable instance, so that it can key {@link WelcomeParameters}' cache by identity. */
    private final List<String> trackedNames;
    private final Set<String> ignored;

    public StartupParameters(List<String> trackExtraParameters, List<String> ignoreStartupParameters) {
        for (String name : ALWAYS_TRACKED) {
            trackedByLowerName.put(name.toLowerCase(Locale.ROOT), name);
        }
        for (String name : trackExtraParameters) {
            trackedByLowerName.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
        }
        this.trackedNames = List.copyOf(trackedByLowerName.values());
        this.ignored = Set.copyOf(ignoreStartupParameters);
    }

    /** The canonical names of every tracked parameter. */
    public Collection<String> trackedNames() {
        return trackedNames;
    }

    /** The canonical spelling of a tracked parameter, or {@code null} when {@code name} is not tracked. */
    public String trackedName(String name) {
        return trackedByLowerName.get(name.toLowerCase(Locale.ROOT));
    }

    /** Checks the client's parameters and extracts the tracked values (names compared case-insensitively). */
    public Result check(Map<String, String> parameters) {
        Map<String, String> tracked = new LinkedHashMap<>();
        ReplicationMode replication = ReplicationMode.NONE;
        for (Map.Entry<String, String> entry : parameters.entrySet()) {
            String name = entry.getKey();
            String canonical = trackedName(name);
            if (canonical != null) {
                tracked.put(canonical, entry.getValue());
            } else if (name.equals("replication")) {
                replication = ReplicationMode.of(entry.getValue());
            } else if (name.equals("options")) {
                if (!ignored.contains("options")) {
                    String error = readOptions(entry.getValue(), tracked);
                    if (error != null) {
                        return Result.refused(error);
                    }
                }
            } else if (!isAlwaysAccepted(name) && !ignored.contains(name)) {
                return Result.refused("unsupported startup parameter: " + name);
            }
        }
        return new Result(tracked, replication, null);
    }

    private static boolean isAlwaysAccepted(String name) {
        return name.equals("user") || name.equals("database") || name.startsWith("_pq_.");
    }

    /** {@code options} may only hold {@code -c name=value} and {@code --name=value} for accepted parameters. */
    private String readOptions(String options, Map<String, String> tracked) {
        String[] words = options.trim().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            String setting;
            if (word.isEmpty()) {
                continue;
            } else if (word.equals("-c") && i + 1 < words.length) {
                setting = words[++i];
            } else if (word.startsWith("-c") && word.length() > 2) {
                setting = word.substring(2);
            } else if (word.startsWith("--")) {
                setting = word.substring(2);
            } else {
                return "unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed";
            }
            int eq = setting.indexOf('=');
            if (eq <= 0) {
                return "unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed";
            }
            String name = setting.substring(0, eq);
            String canonical = trackedName(name);
            if (canonical != null) {
                tracked.put(canonical, setting.substring(eq + 1));
            } else if (!ignored.contains(name)) {
                return "unsupported startup parameter in options: " + name;
            }
        }
        return null;
    }
}
