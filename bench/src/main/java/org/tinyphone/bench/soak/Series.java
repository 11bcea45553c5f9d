package org.tinyphone.bench.soak;

import java.util.ArrayList;
import java.util.List;

/** Values sampled over time (seconds from the start of the load, value): first, last, max, least-squares slope. */
final class Series {
    private final List<double[]> points = new ArrayList<>();

    synchronized void add(double seconds, double value) {
        if (value >= 0) points.add(new double[] {seconds, value});
    }

    synchronized int size() {
        return points.size();
    }

    /** The points from {@code from} to {@code to} seconds (inclusive). */
    synchronized List<double[]> between(double from, double to) {
        List<double[]> out = new ArrayList<>();
        for (double[] p : points) if (p[0] >= from && p[0] <= to) out.add(p);
        return out;
    }

    synchronized double first(double from, double to) {
        List<double[]> b = between(from, to);
        return b.isEmpty() ? Double.NaN : b.get(0)[1];
    }

    synchronized double last(double from, double to) {
        List<double[]> b = between(from, to);
        return b.isEmpty() ? Double.NaN : b.get(b.size() - 1)[1];
    }

    synchronized double max(double from, double to) {
        return between(from, to).stream().mapToDouble(p -> p[1]).max().orElse(Double.NaN);
    }

    synchronized double mean(double from, double to) {
        return between(from, to).stream().mapToDouble(p -> p[1]).average().orElse(Double.NaN);
    }

    /** Least-squares slope of the points between {@code from} and {@code to}, per hour; NaN with fewer than 3 points. */
    synchronized double slopePerHour(double from, double to) {
        return slopePerSecond(between(from, to)) * 3600;
    }

    /** Least-squares slope of (x, y) points, per unit of x; NaN with fewer than 3 points or one x. */
    static double slopePerSecond(List<double[]> pts) {
        int n = pts.size();
        if (n < 3) return Double.NaN;
        double sx = 0, sy = 0;
        for (double[] p : pts) {
            sx += p[0];
            sy += p[1];
        }
        double mx = sx / n, my = sy / n, num = 0, den = 0;
        for (double[] p : pts) {
            num += (p[0] - mx) * (p[1] - my);
            den += (p[0] - mx) * (p[0] - mx);
        }
        return den == 0 ? Double.NaN : num / den;
    }
}
