package io.jbouncer.core.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * Line-based edits of an {@code auth_file} (userlist.txt): lines {@code "user" "secret"}, where a {@code "} inside
 * a field is written {@code ""}. Lines that are not such an entry (comments starting with {@code ;}, blank lines,
 * anything else) are never touched; the caller validates the result with {@link io.jbouncer.core.config.AuthFile}.
 *
 * <p>Stateless; file text is one char per byte and names and secrets are ordinary strings (see {@link TextLines}).
 */
final class UserlistLines {

    private UserlistLines() {
    }

    /** The secret PgBouncer would use for {@code user} (the last line naming it wins), or null if none names it. */
    static String secretOf(String text, String user) {
        String secret = null;
        for (String line : TextLines.of(text).lines()) {
            String[] fields = fields(line);
            if (fields != null && fields[0].equals(TextLines.bytesOf(user))) {
                secret = fields[1];
            }
        }
        return secret == null ? null : TextLines.decode(secret);
    }

    /**
     * Makes {@code "user" "secret"} the entry of {@code user}: an identical entry is left alone, another one is
     * replaced where it stands (further lines of the same user are deleted), and a new one is appended.
     */
    static Edit put(String text, String user, String secret) {
        String line = entryLine(user, secret);
        TextLines file = TextLines.of(text);
        List<String> lines = file.lines();
        List<Integer> matches = entryLines(lines, user);
        if (matches.isEmpty()) {
            lines.add(line);
            return new Edit(file.text(), Edit.Outcome.ADDED);
        }
        if (matches.size() == 1 && secret.equals(secretOf(text, user))) {
            return new Edit(text, Edit.Outcome.ALREADY_PRESENT);
        }
        for (int i = matches.size() - 1; i > 0; i--) {
            lines.remove((int) matches.get(i));
        }
        lines.set(matches.get(0), line);
        return new Edit(file.text(), Edit.Outcome.REPLACED);
    }

    /** Deletes every line naming {@code user}. */
    static Edit remove(String text, String user) {
        TextLines file = TextLines.of(text);
        List<Integer> matches = entryLines(file.lines(), user);
        if (matches.isEmpty()) {
            return new Edit(text, Edit.Outcome.NOT_PRESENT);
        }
        for (int i = matches.size() - 1; i >= 0; i--) {
            file.lines().remove((int) matches.get(i));
        }
        return new Edit(file.text(), Edit.Outcome.REMOVED);
    }

    /**
     * The line {@code "user" "secret"} with embedded quotes doubled, one char per byte.
     *
     * @throws IllegalArgumentException if {@code user} is empty or either field holds a line break
     */
    static String entryLine(String user, String secret) {
        if (user.isEmpty()) {
            throw new IllegalArgumentException("user name is empty");
        }
        if (user.indexOf('\n') >= 0 || user.indexOf('\r') >= 0 || secret.indexOf('\n') >= 0
                || secret.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("user names and secrets cannot hold line breaks");
        }
        return TextLines.bytesOf(quoted(user) + " " + quoted(secret));
    }

    private static String quoted(String field) {
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    private static List<Integer> entryLines(List<String> lines, String user) {
        String name = TextLines.bytesOf(user);
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] fields = fields(lines.get(i));
            if (fields != null && fields[0].equals(name)) {
                found.add(i);
            }
        }
        return found;
    }

    /** The unquoted user and secret of an entry line, or null when the line is not {@code "user" "secret"...}. */
    private static String[] fields(String line) {
        int p = TextLines.skipBlanks(line, 0);
        int userEnd = closingQuote(line, p);
        if (userEnd < 0) {
            return null;
        }
        int secretStart = TextLines.skipBlanks(line, userEnd + 1);
        int secretEnd = closingQuote(line, secretStart);
        if (secretEnd < 0) {
            return null;
        }
        return new String[] {unquote(line.substring(p + 1, userEnd)), unquote(line.substring(secretStart + 1,
                secretEnd))};
    }

    /** The index of the quote closing the field that opens at {@code start}, or -1 if there is no such field. */
    private static int closingQuote(String line, int start) {
        if (start >= line.length() || line.charAt(start) != '"') {
            return -1;
        }
        int p = start + 1;
        while (p < line.length()) {
            if (line.charAt(p) == '"') {
                if (p + 1 < line.length() && line.charAt(p + 1) == '"') {
                    p += 2;
                    continue;
                }
                return p;
            }
            p++;
        }
        return -1;
    }

    private static String unquote(String field) {
        return field.replace("\"\"", "\"");
    }
}
