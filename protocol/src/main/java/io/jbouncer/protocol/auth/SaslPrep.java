package io.jbouncer.protocol.auth;

import java.text.Normalizer;

/**
 * SASLprep (<a href="https://www.rfc-editor.org/rfc/rfc4013">RFC 4013</a>, the stringprep profile of
 * <a href="https://www.rfc-editor.org/rfc/rfc3454">RFC 3454</a>) for SCRAM passwords, with PostgreSQL's leniency
 * ({@code src/common/saslprep.c}): a password that SASLprep rejects is used unchanged, so that any byte string
 * PostgreSQL accepts as a password still works. Stateless and thread-safe.
 *
 * <p>Steps: pure-ASCII input is returned as is (PostgreSQL's fast path, which also lets ASCII control characters
 * through); non-ASCII spaces (table C.1.2) become U+0020; characters "commonly mapped to nothing" (B.1) are
 * removed; the result is NFKC-normalised; then it is rejected if it is empty or contains prohibited output
 * (C.1.2, C.2.1, C.2.2, C.3 to C.9), unassigned code points (A.1), or breaks the bidi rule (RFC 3454 section 6).
 *
 * <p>Approximations, documented because they follow the JDK's Unicode version (13.0 on Java 17) rather than
 * Unicode 3.2 of RFC 3454: "unassigned" (A.1) is {@code Character.getType(cp) == UNASSIGNED}, RandALCat (D.1) is
 * bidi class R or AL, and LCat (D.2) is bidi class L, all from {@link Character}; NFKC is {@link Normalizer}'s.
 * Code points assigned after Unicode 3.2 are therefore accepted here where PostgreSQL keeps the input unchanged;
 * the two only disagree when such a password also needed mapping or normalisation. Unlike PostgreSQL, which checks
 * the mapped but not yet normalised string, the prohibition and bidi checks apply to the normalised output, as
 * the RFC says.
 */
public final class SaslPrep {
    /** C.1.2 non-ASCII space characters, as inclusive [first, last] pairs. */
    private static final int[] NON_ASCII_SPACE = {
        0x00A0, 0x00A0, 0x1680, 0x1680, 0x2000, 0x200B, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000,
    };

    /** B.1 commonly mapped to nothing. */
    private static final int[] MAPPED_TO_NOTHING = {
        0x00AD, 0x00AD, 0x034F, 0x034F, 0x1806, 0x1806, 0x180B, 0x180D, 0x200B, 0x200D, 0x2060, 0x2060,
        0xFE00, 0xFE0F, 0xFEFF, 0xFEFF,
    };

    /** Prohibited output: C.1.2 plus C.2.1 to C.9, except the non-characters of C.4 ending in FFFE/FFFF. */
    private static final int[] PROHIBITED = {
        // C.1.2 non-ASCII space
        0x00A0, 0x00A0, 0x1680, 0x1680, 0x2000, 0x200B, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000,
        // C.2.1 ASCII control
        0x0000, 0x001F, 0x007F, 0x007F,
        // C.2.2 non-ASCII control
        0x0080, 0x009F, 0x06DD, 0x06DD, 0x070F, 0x070F, 0x180E, 0x180E, 0x200C, 0x200D, 0x2028, 0x2029,
        0x2060, 0x2063, 0x206A, 0x206F, 0xFEFF, 0xFEFF, 0xFFF9, 0xFFFC, 0x1D173, 0x1D17A,
        // C.3 private use
        0xE000, 0xF8FF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD,
        // C.4 non-character code points (the xxFFFE/xxFFFF ones are tested arithmetically)
        0xFDD0, 0xFDEF,
        // C.5 surrogate codes
        0xD800, 0xDFFF,
        // C.6 inappropriate for plain text
        0xFFF9, 0xFFFD,
        // C.7 inappropriate for canonical representation
        0x2FF0, 0x2FFB,
        // C.8 change display properties or deprecated
        0x0340, 0x0341, 0x200E, 0x200F, 0x202A, 0x202E, 0x206A, 0x206F,
        // C.9 tagging characters
        0xE0001, 0xE0001, 0xE0020, 0xE007F,
    };

    private SaslPrep() {
    }

    /** Returns the SASLprep form of {@code password}, or {@code password} itself if SASLprep rejects it. */
    public static String prepare(String password) {
        if (isAscii(password)) {
            return password;
        }
        StringBuilder mapped = new StringBuilder(password.length());
        password.codePoints().forEach(cp -> {
            if (inRanges(NON_ASCII_SPACE, cp)) {
                mapped.append(' ');
            } else if (!inRanges(MAPPED_TO_NOTHING, cp)) {
                mapped.appendCodePoint(cp);
            }
        });
        String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        return isValidOutput(normalized) ? normalized : password;
    }

    private static boolean isValidOutput(String s) {
        int[] codePoints = s.codePoints().toArray();
        if (codePoints.length == 0) {
            return false; // PostgreSQL: "don't allow empty password"
        }
        boolean hasRandALCat = false;
        boolean hasLCat = false;
        for (int cp : codePoints) {
            if (isProhibited(cp) || Character.getType(cp) == Character.UNASSIGNED) {
                return false;
            }
            hasRandALCat |= isRandALCat(cp);
            hasLCat |= Character.getDirectionality(cp) == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
        }
        return !hasRandALCat
                || (!hasLCat && isRandALCat(codePoints[0]) && isRandALCat(codePoints[codePoints.length - 1]));
    }

    private static boolean isProhibited(int cp) {
        return (cp & 0xFFFE) == 0xFFFE || inRanges(PROHIBITED, cp);
    }

    private static boolean isRandALCat(int cp) {
        byte direction = Character.getDirectionality(cp);
        return direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT
                || direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }

    private static boolean inRanges(int[] ranges, int cp) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (cp >= ranges[i] && cp <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
