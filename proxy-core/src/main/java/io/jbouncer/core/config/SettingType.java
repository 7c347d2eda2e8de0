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
enum SettingType {
    STRING("any text") {
        @Override
        Object parse(String raw) {
            return raw;
        }
    },
    LIST("a list separated by commas or blanks") {
        @Override
        Object parse(String raw) {
            return raw;
        }
    },
    CIDR_LIST("IP networks in CIDR notation, separated by commas or blanks (a jbouncer setting)") {
        @Override
        Object parse(String raw) {
            Config.splitList(raw).forEach(Cidr::parse); // refuses a bad network at load, with file and line
            return raw;
        }
    },
    INT("an integer (strtol base 0: decimal, 0x hexadecimal or 0-prefixed octal)") {
        @Override
        Object parse(String raw) {
            return CNumbers.parseInt(raw);
        }
    },
    UINT("an unsigned integer (strtoul base 0: decimal, 0x hexadecimal or 0-prefixed octal)") {
        @Override
        Object parse(String raw) {
            return CNumbers.parseUnsignedInt(raw);
        }
    },
    BOOL("0 or 1 (an integer; non-zero means on)") {
        @Override
        Object parse(String raw) {
            return CNumbers.parseInt(raw);
        }
    },
    TIME("a number of seconds >= 0, fractions allowed, no unit") {
        @Override
        Object parse(String raw) {
            return CNumbers.parseTimeMicros(raw);
        }

        @Override
        String show(Object value) {
            return CNumbers.formatG((Long) value);
        }
    },
    POOL_MODE(oneOf(PoolMode.values(), PoolMode::configName)) {
        @Override
        Object parse(String raw) {
            return PoolMode.parse(raw);
        }

        @Override
        String show(Object value) {
            return ((PoolMode) value).configName();
        }
    },
    AUTH_TYPE(oneOf(AuthType.values(), AuthType::configName)) {
        @Override
        Object parse(String raw) {
            return AuthType.parse(raw);
        }

        @Override
        String show(Object value) {
            return ((AuthType) value).configName();
        }
    },
    SSL_MODE(oneOf(SslMode.values(), SslMode::configName)) {
        @Override
        Object parse(String raw) {
            return SslMode.parse(raw);
        }

        @Override
        String show(Object value) {
            return ((SslMode) value).configName();
        }
    },
    LOG_FORMAT(oneOf(LogFormat.values(), LogFormat::configName)) {
        @Override
        Object parse(String raw) {
            return LogFormat.parse(raw);
        }

        @Override
        String show(Object value) {
            return ((LogFormat) value).configName();
        }
    },
    IO_TRANSPORT(oneOf(IoTransport.values(), IoTransport::configName)) {
        @Override
        Object parse(String raw) {
            return IoTransport.parse(raw);
        }

        @Override
        String show(Object value) {
            return ((IoTransport) value).configName();
        }
    },
    /** {@code cf_set_authdb}: a string, but the console database is refused. */
    AUTH_DBNAME("a database name; cannot use the reserved \"pgbouncer\" database as an auth_dbname") {
        @Override
        Object parse(String raw) {
            if (raw.equals(DatabaseDef.ADMIN_DATABASE)) {
                throw new IllegalArgumentException(
                        "cannot use the reserved \"" + raw + "\" database as an auth_dbname");
            }
            return raw;
        }
    };

    private final String expected;

    SettingType(String expected) {
        this.expected = expected;
    }

    /** Human description of acceptable values, for error messages. */
    String expected() {
        return expected;
    }

    /** Converts the text of an ini line into the held value. */
    abstract Object parse(String raw);

    /** The text SHOW CONFIG prints for a held value; null stays null (NULL). */
    String show(Object value) {
        return value == null ? null : value.toString();
    }

    private static <E> String oneOf(E[] values, Function<E, String> name) {
        return "one of " + Arrays.stream(values).map(name).collect(Collectors.joining(", ")) + " (any case)";
    }
}
