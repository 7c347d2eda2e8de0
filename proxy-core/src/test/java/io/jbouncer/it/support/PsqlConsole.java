package io.jbouncer.it.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin console ({@code dbname=pgbouncer}) of a running jbouncer, reached with the real {@code psql} over the
 * Unix socket, as an operator would; the socket stays open for console logins during a shutdown, where TCP (and
 * so {@link AdminConsole}'s pgjdbc) no longer gets in. The user must be in {@code admin_users} and the auth file.
 */
public final class PsqlConsole {

    private static final String DATABASE = "pgbouncer";
    private static final String SEPARATOR = "\t";

    private final Psql psql;
    private final String connstring;
    private final String password;

    private PsqlConsole(Psql psql, String connstring, String password) {
        this.psql = psql;
        this.connstring = connstring;
        this.password = password;
    }

    /** The console through the Unix socket in {@code config}'s directory (which stays open during shutdown). */
    public static PsqlConsole unixSocket(PostgresCluster pg, JBouncerConfig config, String user, String password) {
        return new PsqlConsole(Psql.of(pg), "host=" + config.dir() + " port=" + config.port() + " dbname="
                + DATABASE + " user=" + user, password);
    }

    /**
     * Runs one console command and returns psql's result as is; errors are printed with their SQLSTATE
     * ({@code VERBOSITY=verbose}: {@code ERROR:  F0000: ...}).
     */
    public Psql.Result run(String command) {
        return psql.run(connstring, password, "-v", "VERBOSITY=verbose", "-c", command);
    }

    /**
     * Runs a SHOW command and returns its rows, each a map from column name to text (NULL as "").
     *
     * @throws IllegalStateException with psql's output if the command fails
     */
    public List<Map<String, String>> show(String command) {
        Psql.Result result = psql.run(connstring, password, "-A", "-F", SEPARATOR, "-P", "footer=off", "-c",
                command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(command + " failed (" + result.exitCode() + "): " + result.stderr());
        }
        String[] lines = result.stdout().split("\n");
        String[] header = lines[0].split(SEPARATOR, -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] cells = lines[i].split(SEPARATOR, -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], c < cells.length ? cells[c] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    /** SHOW STATE as a map from key to value ({@code paused}, {@code last_reload_result} ...). */
    public Map<String, String> state() {
        Map<String, String> state = new LinkedHashMap<>();
        show("SHOW STATE").forEach(row -> state.put(row.get("key"), row.get("value")));
        return state;
    }
}
