package io.jbouncer.core;

import java.util.Set;

/**
 * PgBouncer's command line: {@code [-d] [-R] [-q] [-v...] [-u user] [-V] [-h] config.ini} and the long forms,
 * parsed getopt-style (short flags may be combined, as in {@code -vv}).
 *
 * @param verbosity how many times {@code -v} was given
 */
public record CommandLine(boolean daemon, boolean reboot, boolean quiet, int verbosity, String user,
                          boolean version, boolean help, boolean check, String configFile) {

    /** Thrown for a command line PgBouncer would refuse; the message is what to print. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    public static final String USAGE = """
            jbouncer is a PostgreSQL connection pooler, a drop-in replacement for PgBouncer.

            Usage:
              jbouncer [OPTION]... CONFIG_FILE

            Options:
              -d, --daemon         run in background (needs pidfile and logfile)
              -q, --quiet          run quietly
              -R, --reboot         do an online reboot (not supported: use so_reuseport)
              -u, --user=USERNAME  the user jbouncer must be started as (it does not switch)
              -v, --verbose        increase verbosity
              -V, --version        show version, then exit
              -h, --help           show this help, then exit
                  --check          check the configuration (and its auth_file), print every problem, then exit:
                                   0 when it would load, 1 otherwise (a jbouncer extension)
            """;

    private static final Set<String> FLAGS_WITHOUT_ARGUMENT =
            Set.of("daemon", "reboot", "quiet", "verbose", "version", "help", "check");

    public static CommandLine parse(String... args) throws UsageException {
        boolean daemon = false;
        boolean reboot = false;
        boolean quiet = false;
        int verbosity = 0;
        String user = null;
        boolean version = false;
        boolean help = false;
        boolean check = false;
        String configFile = null;
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                if (configFile != null) {
                    throw new UsageException("too many arguments: " + arg);
                }
                configFile = arg;
            } else if (arg.equals("--")) {
                optionsEnded = true;
            } else if (arg.startsWith("--")) {
                String name = arg.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                    if (FLAGS_WITHOUT_ARGUMENT.contains(name)) {
                        throw new UsageException("option '--" + name + "' doesn't allow an argument");
                    }
                }
                switch (name) {
                    case "daemon" -> daemon = true;
                    case "reboot" -> reboot = true;
                    case "quiet" -> quiet = true;
                    case "verbose" -> verbosity++;
                    case "version" -> version = true;
                    case "help" -> help = true;
                    case "check" -> check = true;
                    case "user" -> {
                        if (value == null) {
                            if (++i >= args.length) {
                                throw new UsageException("option '--user' requires an argument");
                            }
                            value = args[i];
                        }
                        user = value;
                    }
                    default -> throw new UsageException("unrecognized option '" + arg + "'");
                }
            } else {
                for (int j = 1; j < arg.length(); j++) {
                    char flag = arg.charAt(j);
                    switch (flag) {
                        case 'd' -> daemon = true;
                        case 'R' -> reboot = true;
                        case 'q' -> quiet = true;
                        case 'v' -> verbosity++;
                        case 'V' -> version = true;
                        case 'h' -> help = true;
                        case 'u' -> {
                            if (j + 1 < arg.length()) {
                                user = arg.substring(j + 1);
                            } else if (++i < args.length) {
                                user = args[i];
                            } else {
                                throw new UsageException("option requires an argument -- 'u'");
                            }
                            j = arg.length();
                        }
                        default -> throw new UsageException("invalid option -- '" + flag + "'");
                    }
                }
            }
        }
        return new CommandLine(daemon, reboot, quiet, verbosity, user, version, help, check, configFile);
    }
}
