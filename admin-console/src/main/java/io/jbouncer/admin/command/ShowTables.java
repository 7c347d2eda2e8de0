package io.jbouncer.admin.command;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The catalog of SHOW tables by lower-case name: the targets of {@code SHOW x} and of the SQL subset's FROM. */
public final class ShowTables {
    private static final Map<String, ShowTable> TABLES = catalog();

    private ShowTables() {
    }

    /** Looks a table up case-insensitively. HELP is not a table. */
    public static Optional<ShowTable> find(String name) {
        return Optional.ofNullable(TABLES.get(name.toLowerCase(Locale.ROOT)));
    }

    public static List<ShowTable> all() {
        return List.copyOf(TABLES.values());
    }

    private static Map<String, ShowTable> catalog() {
        List<ShowTable> tables = new ArrayList<>();
        tables.addAll(PoolTables.all());
        tables.addAll(SocketTables.all());
        tables.addAll(StatsTables.all());
        tables.addAll(ProcessTables.all());
        Map<String, ShowTable> byName = new HashMap<>();
        for (ShowTable table : tables) {
            byName.put(table.name(), table);
        }
        return Map.copyOf(byName);
    }
}
