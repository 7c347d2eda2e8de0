package io.jbouncer.core.ops;

import io.jbouncer.core.config.AuthFile;
import io.jbouncer.core.config.AuthType;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code bin/jbouncer-admin}: adds and removes {@code [databases]} entries and auth-file users safely while
 * jbouncer runs, then asks it to reload. See {@code docs/operations.md} for the operator's view.
 *
 * <p>Every change is idempotent: adding an entry that is already defined the same way (or a user whose stored
 * verifier already matches the password, of the requested kind) and removing one that is absent change nothing
 * and succeed. Adding a different definition for an existing name replaces it in place: the tool states the
 * desired end state, so re-running a provisioning script converges. Files are replaced through
 * {@link LockedFileUpdate} (lock, validation, backup, atomic rename), and the reload is sent even when nothing
 * changed, so a retry after a failed reload still reaches the running process.
 *
 * <p>Exit codes: 0 done or already so; 1 usage error; 2 invalid result, unreadable files or a failed signal (the
 * files are then left as they were, except after a failed signal, when the change is made but not yet loaded).
 */
public final class AdminTool {

    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 1;
    static final int EXIT_FAILED = 2;

    static final String USAGE = String.join("\n",
            "usage: jbouncer-admin [-c pgbouncer.ini] [--no-reload] COMMAND",
            "  db add NAME key=value...     add or replace a [databases] entry",
            "  db remove NAME               remove a [databases] entry",
            "  user add NAME [--md5|--scram] add or replace an auth_file user; password read from stdin",
            "  user remove NAME             remove an auth_file user",
            "options:",
            "  -c, --config FILE  the config (default: $JBOUNCER_CONFIG, else ./pgbouncer.ini)",
            "  --no-reload        do not send SIGHUP to the jbouncer of the config's pidfile",
            "exit codes: 0 done or already so, 1 usage error, 2 failure (files unchanged unless the signal failed)");

    /** Where {@code user add} gets the plaintext password for {@code user}. */
    @FunctionalInterface
    interface PasswordSource {
        /** The password, or null if none was given. */
        String read(String user) throws IOException;
    }

    private final PrintStream out;
    private final PrintStream err;
    private final PasswordSource passwords;

    AdminTool(PrintStream out, PrintStream err, PasswordSource passwords) {
        this.out = out;
        this.err = err;
        this.passwords = passwords;
    }

    public static void main(String[] args) {
        AdminTool tool = new AdminTool(System.out, System.err, AdminTool::readPassword);
        System.exit(tool.run(Arrays.asList(args), System.getenv("JBOUNCER_CONFIG")));
    }

    /** Runs one command; returns the exit code. */
    int run(List<String> args, String envConfig) {
        AdminArgs parsed;
        try {
            parsed = AdminArgs.parse(args, envConfig);
        } catch (IllegalArgumentException e) {
            err.println("jbouncer-admin: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        if (parsed.help()) {
            out.println(USAGE);
            return EXIT_OK;
        }
        try {
            LockedFileUpdate.Result result = parsed.target().equals("db") ? editDatabase(parsed) : editUser(parsed);
            out.println(describe(parsed, result));
            if (parsed.reload()) {
                out.println(Reload.send(ConfigLoader.load(parsed.config())));
            }
            return EXIT_OK;
        } catch (IllegalArgumentException e) {
            err.println("jbouncer-admin: " + e.getMessage());
            return EXIT_USAGE;
        } catch (ConfigException | IOException e) {
            err.println("jbouncer-admin: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    private static LockedFileUpdate.Result editDatabase(AdminArgs args) throws IOException, ConfigException {
        String name = args.name();
        boolean add = args.action().equals("add");
        Function<String, Edit> edit = add
                ? text -> DatabaseLines.put(text, name, args.connectionString())
                : text -> DatabaseLines.remove(text, name);
        DatabaseLines.entryLine(name, "");  // refuse unwritable names before taking the lock
        return LockedFileUpdate.apply(args.config(), edit, candidate -> {
            Config config = ConfigLoader.load(candidate);
            if (config.databases().containsKey(name) != add) {
                throw new ConfigException(candidate.toString(), 0, name, add
                        ? "database is not defined after the edit"
                        : "database is still defined after removing it from this file (is it in a %include file?)");
            }
        });
    }

    private LockedFileUpdate.Result editUser(AdminArgs args) throws IOException, ConfigException {
        Config config = ConfigLoader.load(args.config());
        if (config.authFile() == null || config.authFile().isEmpty()) {
            throw new ConfigException(args.config().toString(), 0, "auth_file", "not set, so there are no users to"
                    + " edit");
        }
        String user = args.name();
        String secret = null;
        Function<String, Edit> edit = text -> UserlistLines.remove(text, user);
        if (args.action().equals("add")) {
            PasswordSecrets.Kind kind = args.kind() != null ? args.kind()
                    : config.authType() == AuthType.SCRAM_SHA_256 ? PasswordSecrets.Kind.SCRAM
                    : PasswordSecrets.Kind.MD5;
            String password = passwords.read(user);
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("user add reads the password from standard input; none given");
            }
            String created = PasswordSecrets.create(kind, user, password, config.scramIterations());
            UserlistLines.entryLine(user, created);  // refuse unwritable names before taking the lock
            edit = text -> PasswordSecrets.matches(UserlistLines.secretOf(text, user), kind, user, password)
                    ? new Edit(text, Edit.Outcome.ALREADY_PRESENT)
                    : UserlistLines.put(text, user, created);
            secret = created;
        }
        String expected = secret;
        return LockedFileUpdate.apply(Path.of(config.authFile()), edit, candidate -> {
            AuthFile.Result read = AuthFile.read(candidate);
            if (read.broken()) {
                throw new ConfigException(candidate.toString(), read.problemLine(), "", read.problem()
                        + " (fix the file first: PgBouncer ignores everything after this line)");
            }
            Map<String, String> users = read.users();
            if (expected != null ? !expected.equals(users.get(user)) : users.containsKey(user)) {
                throw new ConfigException(candidate.toString(), 0, user, "user entry not as intended after the edit");
            }
        });
    }

    private static String describe(AdminArgs args, LockedFileUpdate.Result result) {
        String what = (args.target().equals("db") ? "database " : "user ") + args.name();
        String backup = result.backup() == null ? " (new file)" : " (backup: " + result.backup() + ")";
        return switch (result.outcome()) {
            case ADDED -> "added " + what + " to " + result.file() + backup;
            case REPLACED -> "replaced " + what + " in " + result.file() + backup;
            case REMOVED -> "removed " + what + " from " + result.file() + backup;
            case ALREADY_PRESENT -> what + " already present in " + result.file() + "; nothing to change";
            case NOT_PRESENT -> what + " not present in " + result.file() + "; nothing to remove";
        };
    }

    /** Reads the password without echo from a terminal, else the first line of standard input. */
    private static String readPassword(String user) throws IOException {
        Console console = System.console();
        if (console != null) {
            char[] typed = console.readPassword("Password for %s: ", user);
            return typed == null ? null : new String(typed);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return in.readLine();
    }
}
