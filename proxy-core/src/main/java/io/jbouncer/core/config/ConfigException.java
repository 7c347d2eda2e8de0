package io.jbouncer.core.config;

/**
 * A configuration or auth file that PgBouncer would refuse to load.
 *
 * <p>The message is {@code <file>:<line>: <key>: <detail>}; the {@code <key>: } part is left out when no key
 * applies (section headers, syntax errors, unreadable files), and {@code line} is 0 when no line applies. The detail
 * carries PgBouncer's own log text (for example {@code unknown parameter: pgbouncer/foo} or
 * {@code invalid value "x" for parameter listen_port in configuration (pgbouncer.ini:3)}) and, for bad values,
 * what was expected.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String key;
    private final String detail;

    /**
     * @param file the file as named by the user or by {@code %include}
     * @param line 1-based line, 0 if not applicable
     * @param key the key (or entry name) at fault, "" if not applicable
     * @param detail what is wrong and, when known, what was expected
     */
    public ConfigException(String file, int line, String key, String detail) {
        super(file + ":" + line + ": " + (key.isEmpty() ? "" : key + ": ") + detail);
        this.file = file;
        this.line = line;
        this.key = key;
        this.detail = detail;
    }

    /** The file at fault. */
    public String file() {
        return file;
    }

    /** 1-based line number, 0 when not applicable. */
    public int line() {
        return line;
    }

    /** The key or entry name at fault, "" when not applicable. */
    public String key() {
        return key;
    }

    /** The message without the location prefix, in PgBouncer's wording. */
    public String detail() {
        return detail;
    }
}
