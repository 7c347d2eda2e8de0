package io.jbouncer.core.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader of PgBouncer's {@code auth_file} (userlist.txt), ported from {@code load_auth_file()} in loader.c.
 *
 * <p>Format: {@code "user" "secret" [anything...]} per line; inside quotes {@code ""} stands for one {@code "}.
 * Blank lines are skipped and a line whose first non-blank character is {@code ;} is a comment ({@code #} is not:
 * such a line is malformed). The secret is kept raw: {@code md5...}, {@code SCRAM-SHA-256$...} or plain text.
 *
 * <p>Quirks kept from PgBouncer: the password is the next quoted string after the user name, even on a later line
 * or after junk; a repeated user name keeps its first position and takes the later secret. The first malformed
 * line ({@code broken auth file}, {@code username too long in auth file} for more than 127 bytes, {@code password
 * too long in auth file} for more than 2047 bytes) stops parsing; the entries read before it are kept, which
 * {@link #read} reports through {@link Result#problem()}.
 */
public final class AuthFile {

    /** {@code MAX_USERNAME} (128 bytes with the NUL). */
    private static final int MAX_USERNAME = 128;
    /** {@code MAX_PASSWORD} of PgBouncer 1.25.2 (2048 bytes with the NUL). */
    private static final int MAX_PASSWORD = 2048;

    /**
     * What a read produced.
     *
     * @param users user name to raw secret, in file order
     * @param problem null when the whole file was read; else PgBouncer's log text for the line that stopped it
     * @param problemLine 1-based line of the problem, 0 when there is none
     */
    public record Result(Map<String, String> users, String problem, int problemLine) {

        public Result {
            users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        }

        /** Whether parsing stopped at a malformed line (PgBouncer logs it and keeps the earlier entries). */
        public boolean broken() {
            return problem != null;
        }
    }

    private AuthFile() {
    }

    /**
     * The users of {@code file}, up to the first malformed line (use {@link #read} to learn whether there was one).
     *
     * @throws ConfigException if the file cannot be read ({@code could not open auth_file})
     */
    public static Map<String, String> load(Path file) throws ConfigException {
        return read(file).users();
    }

    /**
     * Reads {@code file} as PgBouncer does.
     *
     * @throws ConfigException if the file cannot be read ({@code could not open auth_file})
     */
    public static Result read(Path file) throws ConfigException {
        try {
            return parse(CText.load(file));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, "auth_file", "could not open auth_file " + file + ": " + e);
        }
    }

    /** Parses the byte-per-char text of an auth file. */
    static Result parse(String buf) {
        Map<String, String> users = new LinkedHashMap<>();
        int n = buf.length();
        int p = 0;
        while (p < n) {
            while (p < n && CText.isSpace(buf.charAt(p))) {
                p++;
            }
            if (p >= n) {
                break;
            }
            if (buf.charAt(p) == ';') {
                while (p < n && buf.charAt(p) != '\n') {
                    p++;
                }
                continue;
            }
            if (buf.charAt(p) != '"') {
                return broken(users, "broken auth file", buf, p);
            }
            int user = ++p;
            p = findQuote(buf, p, false);
            if (p >= n) {
                return broken(users, "broken auth file", buf, p);
            }
            if (p - user >= MAX_USERNAME) {
                return broken(users, "username too long in auth file", buf, p);
            }
            int userEnd = p++;
            p = findQuote(buf, p, true);
            if (p >= n) {
                return broken(users, "broken auth file", buf, p);
            }
            int password = ++p;
            p = findQuote(buf, p, false);
            if (p >= n) {
                return broken(users, "broken auth file", buf, p);
            }
            if (p - password >= MAX_PASSWORD) {
                return broken(users, "password too long in auth file", buf, p);
            }
            users.put(unquote(buf.substring(user, userEnd)), unquote(buf.substring(password, p++)));
            while (p < n && buf.charAt(p) != '\n') {
                p++;
            }
        }
        return new Result(users, null, 0);
    }

    /** Next {@code "}; inside a quoted string ({@code start} false) a doubled quote is skipped. */
    private static int findQuote(String buf, int p, boolean start) {
        while (true) {
            while (p < buf.length() && buf.charAt(p) != '"') {
                p++;
            }
            if (!start && p + 1 < buf.length() && buf.charAt(p + 1) == '"') {
                p += 2;
            } else {
                return p;
            }
        }
    }

    private static String unquote(String quoted) {
        return CText.utf8(quoted.replace("\"\"", "\""));
    }

    private static Result broken(Map<String, String> users, String problem, String buf, int p) {
        return new Result(users, problem, CText.lineAt(buf, Math.min(p, buf.length())));
    }
}
