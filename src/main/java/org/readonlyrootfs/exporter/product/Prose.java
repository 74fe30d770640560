package org.readonlyrootfs.exporter.product;

/** How the product writes a number in prose: with the noun in the number's form ("1 container", "2 containers"). */
public final class Prose {
    private Prose() {}

    /** {@code n} and {@code one}, plural made by adding {@code s} (or {@code es} after s, x, z, ch, sh). */
    public static String count(long n, String one) {
        return count(n, one, plural(one));
    }

    /** {@code n} and {@code one} or {@code many}. */
    public static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** Whether "is" or "are" goes with {@code n}. */
    public static String isAre(long n) {
        return n == 1 ? "is" : "are";
    }

    private static String plural(String one) {
        return one.endsWith("s") || one.endsWith("x") || one.endsWith("z") || one.endsWith("ch") || one.endsWith("sh")
                ? one + "es"
                : one + "s";
    }
}
