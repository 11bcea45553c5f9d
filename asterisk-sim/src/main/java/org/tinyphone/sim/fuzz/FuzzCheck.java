package org.tinyphone.sim.fuzz;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * What the fuzz tests ask of every decoder that reads bytes from outside: bad input ends in one of the decoder's
 * documented errors, with a message that says what is wrong; anything else (a NullPointerException, an index out
 * of bounds, a StackOverflowError, an OutOfMemoryError) is a bug and fails the test.
 */
public final class FuzzCheck {
    private FuzzCheck() {}

    /**
     * Returns quietly if {@code thrown} is an instance of one of {@code documented} and has a message; otherwise
     * throws an {@link AssertionError} with {@code thrown} as its cause.
     */
    @SafeVarargs
    public static void documented(Throwable thrown, Class<? extends Throwable>... documented) {
        for (Class<? extends Throwable> c : documented) {
            if (c.isInstance(thrown)) {
                String m = thrown.getMessage();
                if (m == null || m.isBlank()) throw new AssertionError("an error without a message: " + thrown, thrown);
                return;
            }
        }
        throw new AssertionError("not a documented error of this decoder: " + thrown, thrown);
    }

    /** Fails unless {@code condition} holds; the message says which promise of the decoder was broken. */
    public static void require(boolean condition, String promise) {
        if (!condition) throw new AssertionError(promise);
    }

    /** As {@link #require(boolean, String)}, the message built only on failure (millions of inputs pass). */
    public static void require(boolean condition, Supplier<String> promise) {
        if (!condition) throw new AssertionError(promise.get());
    }

    /**
     * True for about one input in {@code n}, chosen by the input's content so the fuzzer cannot pin it: for checks
     * too slow to run on every input (an endless peer moves megabytes).
     */
    public static boolean oneIn(int n, byte[] input) {
        return input.length > 0 && Math.floorMod(Arrays.hashCode(input), n) == 0;
    }
}
