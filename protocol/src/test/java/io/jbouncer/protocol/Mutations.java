package io.jbouncer.protocol;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Fuzz inputs for the decoders: arbitrary bytes, and valid messages damaged the way a broken or hostile peer damages
 * them (one byte changed, cut short, bytes inserted, a piece repeated), which reach deeper into a decoder than
 * random bytes do.
 */
public final class Mutations {
    private Mutations() {
    }

    /** Arbitrary bytes half the time, a mutation of one of {@code valid} the other half. */
    public static Arbitrary<byte[]> arbitraryOrMutated(byte[]... valid) {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(300), mutated(valid));
    }

    /** One of {@code valid}, changed once or twice. */
    public static Arbitrary<byte[]> mutated(byte[]... valid) {
        Arbitrary<byte[]> once = mutate(Arbitraries.of(valid));
        return Arbitraries.oneOf(once, mutate(once));
    }

    private static Arbitrary<byte[]> mutate(Arbitrary<byte[]> base) {
        return Combinators.combine(base, Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 4096),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)).as(Mutations::apply);
    }

    private static byte[] apply(byte[] input, int kind, int where, byte[] noise) {
        int at = input.length == 0 ? 0 : where % (input.length + 1);
        return switch (kind) {
            case 0 -> { // change one byte
                byte[] out = input.clone();
                if (out.length > 0) {
                    out[Math.min(at, out.length - 1)] = noise[0];
                }
                yield out;
            }
            case 1 -> Arrays.copyOf(input, at); // cut short
            case 2 -> { // insert bytes
                byte[] out = new byte[input.length + noise.length];
                System.arraycopy(input, 0, out, 0, at);
                System.arraycopy(noise, 0, out, at, noise.length);
                System.arraycopy(input, at, out, at + noise.length, input.length - at);
                yield out;
            }
            default -> { // repeat the tail from a point
                byte[] out = Arrays.copyOf(input, input.length + (input.length - at));
                System.arraycopy(input, at, out, input.length, input.length - at);
                yield out;
            }
        };
    }
}
