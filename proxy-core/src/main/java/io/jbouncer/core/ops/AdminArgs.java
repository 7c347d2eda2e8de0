package io.jbouncer.core.ops;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The command line of {@code jbouncer-admin}: {@code [-c FILE] [--no-reload] db add NAME key=value...},
 * {@code db remove NAME}, {@code user add NAME [--md5|--scram]}, {@code user remove NAME}. Options may appear
 * anywhere; {@code --} ends them.
 *
 * @param config the {@code pgbouncer.ini} to edit
 * @param reload whether to signal the running jbouncer afterwards
 * @param help whether {@code -h}/{@code --help} was given (then the other fields are not set)
 * @param target {@code db} or {@code user}
 * @param action {@code add} or {@code remove}
 * @param name the database or user name
 * @param parameters the {@code key=value} arguments of {@code db add}, in order
 * @param kind the verifier {@code user add} stores; null = chosen from {@code auth_type}
 */
record AdminArgs(Path config, boolean reload, boolean help, String target, String action, String name,
        List<String> parameters, PasswordSecrets.Kind kind) {

    static final String DEFAULT_CONFIG = "pgbouncer.ini";
    private static final Pattern PARAMETER_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * Parses {@code args}; {@code envConfig} ({@code $JBOUNCER_CONFIG}, may be null) replaces the default
     * {@value #DEFAULT_CONFIG} in the working directory.
     *
     * @throws IllegalArgumentException with a message for the operator when the command line is wrong
     */
    static AdminArgs parse(List<String> args, String envConfig) {
        String config = envConfig == null || envConfig.isEmpty() ? DEFAULT_CONFIG : envConfig;
        boolean reload = true;
        PasswordSecrets.Kind kind = null;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                words.addAll(args.subList(i + 1, args.size()));
                break;
            }
            switch (arg) {
                case "-h", "--help" -> {
                    return new AdminArgs(Path.of(config), false, true, null, null, null, List.of(), null);
                }
                case "-c", "--config" -> {
                    if (++i == args.size()) {
                        throw new IllegalArgumentException(arg + " needs a file name");
                    }
                    config = args.get(i);
                }
                case "--no-reload" -> reload = false;
                case "--md5" -> kind = PasswordSecrets.Kind.MD5;
                case "--scram" -> kind = PasswordSecrets.Kind.SCRAM;
                default -> {
                    if (arg.startsWith("--config=")) {
                        config = arg.substring("--config=".length());
                    } else if (arg.startsWith("-") && arg.length() > 1) {
                        throw new IllegalArgumentException("unknown option " + arg);
                    } else {
                        words.add(arg);
                    }
                }
            }
        }
        return fromWords(Path.of(config), reload, kind, words);
    }

    private static AdminArgs fromWords(Path config, boolean reload, PasswordSecrets.Kind kind, List<String> words) {
        if (words.size() < 3) {
            throw new IllegalArgumentException("expected: db|user add|remove NAME ...");
        }
        String target = words.get(0);
        String action = words.get(1);
        if (!target.equals("db") && !target.equals("user")) {
            throw new IllegalArgumentException("unknown object \"" + target + "\" (expected: db or user)");
        }
        if (!action.equals("add") && !action.equals("remove")) {
            throw new IllegalArgumentException("unknown action \"" + action + "\" (expected: add or remove)");
        }
        List<String> parameters = List.copyOf(words.subList(3, words.size()));
        boolean dbAdd = target.equals("db") && action.equals("add");
        if (dbAdd && parameters.isEmpty()) {
            throw new IllegalArgumentException("db add needs key=value parameters, for example host=... dbname=...");
        }
        if (!dbAdd && !parameters.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments after the name: " + String.join(" ", parameters));
        }
        if (kind != null && !(target.equals("user") && action.equals("add"))) {
            throw new IllegalArgumentException("--md5 and --scram apply to user add only");
        }
        parameters.forEach(AdminArgs::checkParameter);
        return new AdminArgs(config, reload, false, target, action, words.get(2), parameters, kind);
    }

    private static void checkParameter(String parameter) {
        int eq = parameter.indexOf('=');
        if (eq < 0 || !PARAMETER_KEY.matcher(parameter.substring(0, eq)).matches() || eq == parameter.length() - 1) {
            throw new IllegalArgumentException("\"" + parameter + "\" is not key=value (one pair per argument,"
                    + " value not empty)");
        }
    }

    /**
     * The connection string of {@code db add}: the pairs joined by single spaces, each value taken literally and put
     * in single quotes (a quote doubled) when it holds a blank or a quote, as PgBouncer's connection-string syntax
     * requires.
     */
    String connectionString() {
        List<String> pairs = new ArrayList<>();
        for (String parameter : parameters) {
            int eq = parameter.indexOf('=');
            String value = parameter.substring(eq + 1);
            boolean quote = value.chars().anyMatch(c -> Character.isWhitespace(c) || c == '\'');
            pairs.add(parameter.substring(0, eq + 1) + (quote ? "'" + value.replace("'", "''") + "'" : value));
        }
        return String.join(" ", pairs);
    }
}
