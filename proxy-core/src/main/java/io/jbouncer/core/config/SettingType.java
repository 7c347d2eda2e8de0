package io.jbouncer.core.config;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How a {@code [pgbouncer]} value is parsed and shown, one constant per libusual/PgBouncer setter.
 *
 * <p>Parsed values are held as: {@code String} (string, list, auth_dbname; null = NULL), {@code Integer} (int and
 * bool: PgBouncer's booleans are plain C ints), {@code Long} (unsigned int; time in microseconds) or the enum.
 * {@link #parse} throws {@link IllegalArgumentException} for a value PgBouncer's setter would refuse.
 */
final class SettingType {
    static final SettingType STRING = new SettingType("any text", raw -> raw);
    static final SettingType LIST = new SettingType("a list separated by commas or blanks", raw -> raw);
    static final SettingType CIDR_LIST = new SettingType(
            "IP networks in CIDR notation, separated by commas or blanks (a jbouncer setting)", raw -> {
                Config.splitList(raw).forEach(Cidr::parse); // refuses a bad network at load, with file and line
                return raw;
            });
    static final SettingType INT = new SettingType(
            "an integer (strtol base 0: decimal, 0x hexadecimal or 0-prefixed octal)", CNumbers::parseInt);
    static final SettingType UINT = new SettingType(
            "an unsigned integer (strtoul base 0: decimal, 0x hexadecimal or 0-prefixed octal)",
            CNumbers::parseUnsignedInt);
    static final SettingType BOOL = new SettingType("0 or 1 (an integer; non-zero means on)", CNumbers::parseInt);
    static final SettingType TIME = new SettingType("a number of seconds >= 0, fractions allowed, no unit",
            CNumbers::parseTimeMicros, value -> CNumbers.formatG((Long) value));
    static final SettingType POOL_MODE = oneOf(PoolMode.class, PoolMode::parse);
    static final SettingType AUTH_TYPE = oneOf(AuthType.class, AuthType::parse);
    static final SettingType SSL_MODE = oneOf(SslMode.class, SslMode::parse);
    static final SettingType LOG_FORMAT = oneOf(LogFormat.class, LogFormat::parse);
    static final SettingType IO_TRANSPORT = oneOf(IoTransport.class, IoTransport::parse);
    /** {@code cf_set_authdb}: a string, but the console database is refused. */
    static final SettingType AUTH_DBNAME = new SettingType(
            "a database name; cannot use the reserved \"pgbouncer\" database as an auth_dbname", raw -> {
                if (raw.equals(DatabaseDef.ADMIN_DATABASE)) {
                    throw new IllegalArgumentException(
                            "cannot use the reserved \"" + raw + "\" database as an auth_dbname");
                }
                return raw;
            });

    private final String expected;
    private final Function<String, Object> parser;
    private final Function<Object, String> shower;

    private SettingType(String expected, Function<String, Object> parser) {
        this(expected, parser, Object::toString);
    }

    private SettingType(String expected, Function<String, Object> parser, Function<Object, String> shower) {
        this.expected = expected;
        this.parser = parser;
        this.shower = shower;
    }

    /**
     * libusual's {@code cf_set_lookup} setters: one of the enum's names, ignoring ASCII case. {@code parse} keeps
     * each enum's own refusal message, which the {@code [databases]} and {@code [users]} options show as well.
     */
    private static <E extends Enum<E> & ConfigName> SettingType oneOf(Class<E> type, Function<String, E> parse) {
        String names = Arrays.stream(type.getEnumConstants()).map(ConfigName::configName)
                .collect(Collectors.joining(", "));
        return new SettingType("one of " + names + " (any case)", parse::apply,
                value -> ((ConfigName) value).configName());
    }

    /** Human description of acceptable values, for error messages. */
    String expected() {
        return expected;
    }

    /** Converts the text of an ini line into the held value. */
    Object parse(String raw) {
        return parser.apply(raw);
    }

    /** The text SHOW CONFIG prints for a held value; null stays null (NULL). */
    String show(Object value) {
        return value == null ? null : shower.apply(value);
    }
}
