package io.jbouncer.core.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * The C library number conversions PgBouncer applies to configuration values, reproduced bit for bit:
 * {@code strtol}/{@code strtoul} with base 0 as used by {@code cf_set_int}/{@code cf_set_uint}, {@code atoi} for
 * {@code [databases]}/{@code [users]} numbers, {@code strtonum} for peer ids, {@code strtod} for times and
 * {@code printf("%g")} for showing them.
 */
final class CNumbers {

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger ULONG_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger UINT_MASK = BigInteger.valueOf(0xFFFF_FFFFL);

    /** What {@code strtod} consumes (decimal and hexadecimal forms), when it must consume the whole string. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern HEX = Pattern.compile("[+-]?0[xX]([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)"
            + "([pP][+-]?\\d+)?");
    private static final double MAX_SECONDS = Long.MAX_VALUE / 1_000_000.0;

    private CNumbers() {
    }

    /**
     * {@code cf_set_int}: {@code strtol(s, &end, 0)} that must consume the whole string, stored into a C
     * {@code int}. Out-of-range input saturates to {@code LONG_MIN/MAX} and is then truncated to 32 bits, as C does.
     *
     * @throws NumberFormatException when strtol would stop before the end of the string
     */
    static int parseInt(String s) {
        return prefix(s, 0, true).clamp(LONG_MIN, LONG_MAX).intValue();
    }

    /**
     * {@code cf_set_uint}: {@code strtoul(s, &end, 0)} over the whole string, stored into a C {@code unsigned int}
     * (so {@code "-1"} becomes 4294967295).
     *
     * @throws NumberFormatException when strtoul would stop before the end of the string
     */
    static long parseUnsignedInt(String s) {
        Prefix p = prefix(s, 0, true);
        BigInteger value = p.magnitude.compareTo(ULONG_MAX) > 0
                ? ULONG_MAX
                : (p.negative ? p.magnitude.negate().and(ULONG_MAX) : p.magnitude);
        return value.and(UINT_MASK).longValue();
    }

    /** {@code atoi(s)}: base 10, leading blanks and sign allowed, stops at the first non-digit, junk is 0. */
    static int atoi(String s) {
        return prefix(s, 10, false).clamp(LONG_MIN, LONG_MAX).intValue();
    }

    /**
     * {@code strtonum(s, min, max, NULL)}: whole-string base-10 number within {@code [min, max]}, else 0 (which is
     * how PgBouncer's callers detect failure).
     */
    static int strtonum(String s, int min, int max) {
        try {
            BigInteger v = prefix(s, 10, true).signed();
            return v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0
                    ? 0 : v.intValueExact();
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * libusual {@code cf_set_time_usec}: {@code strtod} over the whole string, {@code >= 0}, stored as whole
     * microseconds (truncated). Infinite, NaN and values beyond the {@code long} microsecond range are rejected
     * (in C they are undefined behaviour).
     *
     * @return microseconds
     * @throws NumberFormatException when the value is not accepted
     */
    static long parseTimeMicros(String s) {
        int start = 0;
        while (start < s.length() && CText.isSpace(s.charAt(start))) {
            start++;
        }
        String t = s.substring(start);
        double v;
        if (DECIMAL.matcher(t).matches()) {
            v = Double.parseDouble(t);
        } else if (HEX.matcher(t).matches()) {
            v = Double.parseDouble(t.matches(".*[pP].*") ? t : t + "p0");
        } else {
            throw new NumberFormatException(s);
        }
        if (v < 0 || v >= MAX_SECONDS) {
            throw new NumberFormatException(s);
        }
        return (long) (v * 1_000_000.0);
    }

    /** {@code printf("%g", micros / 1e6)}, as SHOW CONFIG prints times. */
    static String formatG(long micros) {
        return formatG(micros / 1_000_000.0);
    }

    /** C's {@code %g} with the default precision 6. */
    static String formatG(double v) {
        if (v == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(6, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String mantissa = rounded.movePointLeft(exponent).stripTrailingZeros().toPlainString();
            String digits = String.valueOf(Math.abs(exponent));
            return mantissa + "e" + (exponent < 0 ? "-" : "+") + (digits.length() < 2 ? "0" + digits : digits);
        }
        return rounded.setScale(Math.max(0, 5 - exponent), RoundingMode.HALF_EVEN).stripTrailingZeros()
                .toPlainString();
    }

    /**
     * The part of {@code s} that {@code strtol}-family functions read: blanks, sign, base prefix, digits.
     *
     * @param base 0 for C's automatic base (0x hex, leading-0 octal), else the base
     * @param whole whether the whole string must be consumed (else parsing stops at junk, yielding 0 if no digits)
     */
    private static Prefix prefix(String s, int base, boolean whole) {
        int i = 0;
        while (i < s.length() && CText.isSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = base;
        if (radix == 0) {
            if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
                radix = i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0 ? 16 : 8;
                i += radix == 16 ? 2 : 0;
            } else {
                radix = s.startsWith("0", i) ? 8 : 10;
            }
        }
        int start = i;
        while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), radix) >= 0) {
            i++;
        }
        if (whole && (i == start || i != s.length())) {
            throw new NumberFormatException(s);
        }
        BigInteger magnitude = i == start ? BigInteger.ZERO : new BigInteger(s.substring(start, i), radix);
        return new Prefix(negative, magnitude);
    }

    private record Prefix(boolean negative, BigInteger magnitude) {

        BigInteger signed() {
            return negative ? magnitude.negate() : magnitude;
        }

        /** strtol's saturation on overflow. */
        BigInteger clamp(BigInteger min, BigInteger max) {
            return signed().max(min).min(max);
        }
    }
}
