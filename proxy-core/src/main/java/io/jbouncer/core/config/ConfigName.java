package io.jbouncer.core.config;

/** A value of an enumerated setting, with the spelling {@code pgbouncer.ini} and SHOW output use for it. */
interface ConfigName {

    /** The spelling used in {@code pgbouncer.ini} and SHOW output. */
    String configName();

    /**
     * libusual's {@code cf_set_lookup}: the constant of {@code type} whose name equals {@code text}, ignoring ASCII
     * case as PgBouncer's {@code strcasecmp} does.
     *
     * @throws IllegalArgumentException {@code invalid <what>: <text>} when no constant has that name
     */
    static <E extends Enum<E> & ConfigName> E parse(Class<E> type, String what, String text) {
        E value = CText.lookup(type.getEnumConstants(), ConfigName::configName, text);
        if (value == null) {
            throw new IllegalArgumentException("invalid " + what + ": " + text);
        }
        return value;
    }
}
