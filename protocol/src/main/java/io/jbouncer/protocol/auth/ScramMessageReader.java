package io.jbouncer.protocol.auth;

/**
 * Reads the comma-separated {@code name=value} attributes of one SCRAM message in their mandatory order
 * (<a href="https://www.rfc-editor.org/rfc/rfc5802#section-7">RFC 5802 section 7</a>). Values never contain
 * {@code ','}, so an attribute ends at the next comma. Every violation is a {@link ScramException} naming the rule.
 */
final class ScramMessageReader {
    private final String message;
    private int position;

    ScramMessageReader(String message, int start) {
        this.message = message;
        this.position = start;
    }

    /** Offset of the next unread attribute. */
    int position() {
        return position;
    }

    boolean atEnd() {
        return position == message.length();
    }

    /** Whether the next attribute is called {@code name} (false at the end of the message). */
    boolean nextIs(char name) {
        return !atEnd() && message.charAt(position) == name;
    }

    /** Reads the next attribute, which must be called {@code name}, and returns its value. */
    String read(char name) throws ScramException {
        if (atEnd()) {
            throw new ScramException(
                    "malformed SCRAM message: attribute '" + name + "' expected, found end of message");
        }
        if (!nextIs(name) || position + 1 >= message.length() || message.charAt(position + 1) != '=') {
            throw new ScramException(
                    "malformed SCRAM message: attribute '" + name + "' expected at offset " + position);
        }
        int valueStart = position + 2;
        int comma = message.indexOf(',', valueStart);
        if (comma < 0) {
            position = message.length();
            return message.substring(valueStart);
        }
        if (comma == message.length() - 1) {
            throw new ScramException("malformed SCRAM message: trailing comma");
        }
        position = comma + 1;
        return message.substring(valueStart, comma);
    }

    /** Skips optional extension attributes up to the end of the message. */
    void skipExtensions() throws ScramException {
        skipExtensionsBefore((char) 0);
    }

    /**
     * Skips optional extension attributes ({@code ALPHA "=" value}) up to the attribute {@code stop}. RFC 5802
     * allows extensions there and PostgreSQL ignores them.
     */
    void skipExtensionsBefore(char stop) throws ScramException {
        while (!atEnd() && !nextIs(stop)) {
            char name = message.charAt(position);
            if (!isAsciiLetter(name)) {
                throw new ScramException("malformed SCRAM message: invalid attribute name at offset " + position);
            }
            read(name);
        }
    }

    /** The RFC 5802 {@code printable} rule (%x21-2B / %x2D-7E), required of nonces; the empty nonce is invalid. */
    static String requirePrintable(char name, String value) throws ScramException {
        if (value.isEmpty()) {
            throw new ScramException("malformed SCRAM message: attribute '" + name + "' is empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new ScramException("malformed SCRAM message: attribute '" + name + "' is not printable ASCII");
            }
        }
        return value;
    }

    /** The RFC 5802 {@code saslname} rule: {@code '='} only as {@code =2C} or {@code =3D}. */
    static String requireSaslName(char name, String value) throws ScramException {
        for (int i = value.indexOf('='); i >= 0; i = value.indexOf('=', i + 1)) {
            if (!value.startsWith("=2C", i) && !value.startsWith("=3D", i)) {
                throw new ScramException("malformed SCRAM message: invalid escape in attribute '" + name + "'");
            }
        }
        return value;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
