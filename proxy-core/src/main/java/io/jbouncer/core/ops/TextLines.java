package io.jbouncer.core.ops;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A text file as a mutable list of lines, for edits that must leave every untouched line byte for byte as it was.
 *
 * <p>Text is held one char per byte (ISO-8859-1), as PgBouncer's parsers read it, so bytes that are not valid UTF-8
 * and {@code \r} line ends survive an edit unchanged. Strings coming from the command line are converted with
 * {@link #bytesOf(String)} before they are compared with or inserted into the file.
 */
final class TextLines {

    private final List<String> lines;

    private TextLines(List<String> lines) {
        this.lines = lines;
    }

    /** Splits file content (bytes as ISO-8859-1 chars) at {@code \n}; a final {@code \n} ends the last line. */
    static TextLines of(String text) {
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return new TextLines(text.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(body.split("\n", -1))));
    }

    /** The file content again; every line, including the last, ends with {@code \n}. */
    String text() {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append('\n'));
        return text.toString();
    }

    List<String> lines() {
        return lines;
    }

    /** {@code s} encoded as UTF-8, one char per byte, the form of the file's own text. */
    static String bytesOf(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** The inverse of {@link #bytesOf}: file text (one char per byte) decoded as UTF-8. */
    static String decode(String byteChars) {
        return new String(byteChars.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** Index of the first char of {@code line} that is not a blank ({@code ' '}, tab, CR, VT, FF). */
    static int skipBlanks(String line, int from) {
        int p = from;
        while (p < line.length() && isBlank(line.charAt(p))) {
            p++;
        }
        return p;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\u000B' || c == '\f';
    }
}
