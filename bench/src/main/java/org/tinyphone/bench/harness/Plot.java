package org.tinyphone.bench.harness;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * {@code BenchMain plot <results.tsv> <out.png>}: calls/s and command round-trip p99 against concurrency for
 * each FastAGI server, from a results file of a fastagi run. Plain java.awt, headless.
 */
public final class Plot {
    private static final Map<String, Color> COLORS = new LinkedHashMap<>();

    static {
        COLORS.put("tinyphone", new Color(0x1b, 0x7a, 0x3e));
        COLORS.put("asterisk-java", new Color(0xc0, 0x39, 0x2b));
        COLORS.put("asterisk-java-raised", new Color(0xe6, 0x7e, 0x22));
    }

    private static final int W = 1400, H = 660, PANEL_W = 620, PANEL_H = 460, TOP = 90, LEFT1 = 90, LEFT2 = 770;

    private Plot() {}

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path in = Path.of(args[0]), out = Path.of(args[1]);
        // impl → conc → value
        Map<String, TreeMap<Integer, Double>> calls = new LinkedHashMap<>(), p99 = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(in);
        for (String line : lines) {
            if (line.startsWith("#")) continue;
            String[] f = line.split("\t");
            if (f.length < 4 || !f[0].matches("fastagi-\\d+")) continue;
            int conc = Integer.parseInt(f[0].substring("fastagi-".length()));
            double v = Double.parseDouble(f[3]);
            if (f[2].equals("calls_per_s")) calls.computeIfAbsent(f[1], k -> new TreeMap<>()).put(conc, v);
            if (f[2].equals("step_p99_us") && v > 0) p99.computeIfAbsent(f[1], k -> new TreeMap<>()).put(conc, v / 1000.0);
        }
        // a p99 with no call completed in the window says nothing: leave that point out
        p99.forEach((impl, m) -> m.keySet().removeIf(c -> calls.getOrDefault(impl, new TreeMap<>()).getOrDefault(c, 0.0) <= 0));
        // below 1,000 calls the raised pool is the default pool
        TreeMap<Integer, Double> raised = calls.get("asterisk-java-raised"), dflt = calls.get("asterisk-java");
        if (raised != null && dflt != null) dflt.forEach((c, v) -> { if (c < 1000) raised.putIfAbsent(c, v); });
        TreeMap<Integer, Double> raisedP = p99.get("asterisk-java-raised"), dfltP = p99.get("asterisk-java");
        if (raisedP != null && dfltP != null) dfltP.forEach((c, v) -> { if (c < 1000) raisedP.putIfAbsent(c, v); });

        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        g.drawString("FastAGI: Tinyphone vs asterisk-java (6-command script, server pinned to 1 core)", LEFT1, 38);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString("source: " + in.getFileName(), LEFT1, 60);
        panel(g, LEFT1, "calls/s (higher is better)", calls, false);
        panel(g, LEFT2, "command round trip p99, ms (lower is better, log scale)", p99, true);
        // legend
        int lx = LEFT1, ly = H - 22;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        for (Map.Entry<String, Color> e : COLORS.entrySet()) {
            g.setColor(e.getValue());
            g.setStroke(new BasicStroke(3f));
            g.drawLine(lx, ly - 5, lx + 30, ly - 5);
            g.fillOval(lx + 11, ly - 10, 9, 9);
            g.setColor(Color.BLACK);
            String label = e.getKey().equals("asterisk-java-raised") ? "asterisk-java, pool raised to 12,000"
                    : e.getKey().equals("asterisk-java") ? "asterisk-java, default pool (max 500)" : "tinyphone (virtual threads)";
            g.drawString(label, lx + 38, ly);
            lx += 60 + g.getFontMetrics().stringWidth(label);
        }
        g.dispose();
        Files.createDirectories(out.toAbsolutePath().getParent());
        ImageIO.write(img, "png", out.toFile());
        System.out.println("wrote " + out);
    }

    private static void panel(Graphics2D g, int left, String title, Map<String, TreeMap<Integer, Double>> series, boolean logY) {
        int top = TOP, w = PANEL_W, h = PANEL_H;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, left, top - 12);
        double max = 0, min = Double.MAX_VALUE;
        for (TreeMap<Integer, Double> s : series.values()) {
            for (double v : s.values()) {
                if (v > 0) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        if (max == 0) max = 1;
        double yMin, yMax;
        if (logY) {
            yMin = Math.pow(10, Math.floor(Math.log10(min)));
            yMax = Math.pow(10, Math.ceil(Math.log10(max)));
        } else {
            yMin = 0;
            yMax = niceCeil(max * 1.1);
        }
        g.setColor(new Color(0xf7, 0xf7, 0xf7));
        g.fillRect(left, top, w, h);
        g.setColor(Color.GRAY);
        g.drawRect(left, top, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        // y grid
        List<Double> ticks = new ArrayList<>();
        if (logY) {
            for (double t = yMin; t <= yMax * 1.0001; t *= 10) ticks.add(t);
        } else {
            for (int i = 0; i <= 5; i++) ticks.add(yMax * i / 5);
        }
        for (double t : ticks) {
            int y = yPix(t, yMin, yMax, logY, top, h);
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(left, y, left + w, y);
            g.setColor(Color.DARK_GRAY);
            String s = label(t);
            g.drawString(s, left - 8 - fm.stringWidth(s), y + 5);
        }
        // x axis: concurrency 1..10,000 on a log scale
        int[] xs = {1, 10, 100, 1000, 10_000};
        for (int x : xs) {
            int px = xPix(x, left, w);
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(px, top, px, top + h);
            g.setColor(Color.DARK_GRAY);
            String s = String.format(Locale.ROOT, "%,d", x);
            g.drawString(s, px - fm.stringWidth(s) / 2, top + h + 18);
        }
        String xl = "concurrent calls (log scale)";
        g.drawString(xl, left + w / 2 - fm.stringWidth(xl) / 2, top + h + 38);
        for (Map.Entry<String, Color> c : COLORS.entrySet()) {
            TreeMap<Integer, Double> s = series.get(c.getKey());
            if (s == null || s.isEmpty()) continue;
            g.setColor(c.getValue());
            g.setStroke(new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            Path2D path = new Path2D.Double();
            boolean first = true;
            for (Map.Entry<Integer, Double> p : s.entrySet()) {
                double v = logY ? Math.max(p.getValue(), yMin) : p.getValue();
                int px = xPix(p.getKey(), left, w), py = yPix(v, yMin, yMax, logY, top, h);
                if (first) path.moveTo(px, py);
                else path.lineTo(px, py);
                first = false;
            }
            g.draw(path);
            for (Map.Entry<Integer, Double> p : s.entrySet()) {
                double v = logY ? Math.max(p.getValue(), yMin) : p.getValue();
                int px = xPix(p.getKey(), left, w), py = yPix(v, yMin, yMax, logY, top, h);
                g.fillOval(px - 5, py - 5, 10, 10);
            }
            g.setStroke(new BasicStroke(1f));
        }
    }

    private static int xPix(int conc, int left, int w) {
        return left + 20 + (int) Math.round(Math.log10(conc) / 4.0 * (w - 40));
    }

    private static int yPix(double v, double min, double max, boolean log, int top, int h) {
        double f = log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : (v - min) / (max - min);
        return top + h - (int) Math.round(f * h);
    }

    private static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) return m * p;
        }
        return 10 * p;
    }

    private static String label(double v) {
        if (v == 0) return "0";
        if (v >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (v >= 1) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
